"""The API keys page: your keys, create one (shown once, with an optional label), revoke one."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.forms import ConfirmForm, KeyForm
from app.services import keys
from app.services.errors import DomainError, NotFound


def _render(form: KeyForm | None = None, created: tuple | None = None, status: int = 200):
    """The keys page; `created` is a new (record, key) pair to show this once."""
    response = render_template(
        "admin/keys/index.html",
        keys=keys.list_keys(current_user),
        form=form or KeyForm(formdata=None),
        created=created,
    )
    # The page may hold a secret: never keep it in a cache.
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/keys")
def keys_page():
    """The signed-in user's keys: prefix, label, created, last used, revoked."""
    return _render()


@bp.post("/keys")
def create_key():
    """Create a key and show it this once (no redirect, so it is never in a URL).

    A label the rules refuse is shown beside its field with a 422.
    """
    form = KeyForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.keys_page"))
    try:
        created = keys.create_key(current_user, label=form.label.data)
    except DomainError as exc:
        form.label.errors = [exc.message]
        return _render(form=form, status=422)
    return _render(created=created)


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
