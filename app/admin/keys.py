"""The API keys page: your keys, create one (shown once), revoke one."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.forms import ConfirmForm, KeyForm
from app.services import keys
from app.services.errors import NotFound


def _render(new_key: str | None = None):
    response = render_template(
        "admin/keys/index.html", keys=keys.list_keys(current_user), form=KeyForm(), new_key=new_key
    )
    # The page may hold a secret: never keep it in a cache.
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/keys")
def keys_page():
    """The signed-in user's keys: prefix, created, last used, revoked."""
    return _render()


@bp.post("/keys")
def create_key():
    """Create a key and show it this once (no redirect, so it is never in a URL)."""
    if not KeyForm().validate_on_submit():
        return redirect(url_for("admin.keys_page"))
    _record, key = keys.create_key(current_user)
    return _render(new_key=key)


@bp.post("/keys/<prefix>/revoke")
def revoke_key(prefix: str):
    """Revoke one of your own active keys."""
    if ConfirmForm().validate_on_submit():
        try:
            record = keys.revoke_key(prefix, user=current_user)
        except NotFound:
            flash("No such active key.", "error")
        else:
            flash(f"Revoked key {record.prefix}…", "success")
    return redirect(url_for("admin.keys_page"))
