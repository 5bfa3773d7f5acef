"""Sign in and sign out."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from app.admin import bp
from app.admin.forms import ConfirmForm, LoginForm
from app.admin.redirects import local_path
from app.services import users
from app.services.throttle import LoginThrottle, throttle_keys


def _throttle() -> LoginThrottle:
    return current_app.extensions.setdefault("login_throttle", LoginThrottle())


def safe_next(target: str | None) -> str:
    """The path to go to after signing in: only a local path, never another site."""
    return local_path(target, url_for("admin.home"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; on a right password, start a fresh session."""
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("admin/auth/login.html", form=form), 400 if form.errors else 200
    keys = throttle_keys(form.username.data, request.remote_addr)
    wait = _throttle().wait_seconds(keys)
    if wait:
        form.password.errors = [f"Too many failed attempts. Try again in {wait} seconds."]
        return render_template("admin/auth/login.html", form=form), 429
    user = users.check_password(form.username.data, form.password.data)
    if user is None:
        _throttle().failed(keys)
        form.password.errors = ["Wrong username or password."]
        return render_template("admin/auth/login.html", form=form), 401
    _throttle().succeeded(keys)
    # A new session on sign-in: nothing set before (by anyone) survives it.
    session.clear()
    login_user(user)
    return redirect(safe_next(form.next.data))


@bp.post("/logout")
def logout():
    """End the session (a CSRF-checked POST, so no other site can sign you out)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.home"))
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))
