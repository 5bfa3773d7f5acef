"""Sign in, sign out and change your password."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.admin import bp
from app.admin.forms import ConfirmForm, LoginForm, PasswordForm
from app.admin.redirects import local_path
from app.services import throttle, user_sessions, users


def safe_next(target: str | None) -> str:
    """The path to go to after signing in: only a local path, never another site."""
    return local_path(target, url_for("admin.home"))


def _too_many(wait: int) -> str:
    return f"Too many failed attempts. Try again in {wait} seconds."


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; on a right password, start a fresh session."""
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("admin/auth/login.html", form=form), 400 if form.errors else 200
    keys = throttle.throttle_keys(form.username.data, request.remote_addr)
    # Counted as failed before the check, so a burst cannot outrun the count.
    wait = throttle.reserve(keys)
    if wait:
        form.password.errors = [_too_many(wait)]
        return render_template("admin/auth/login.html", form=form), 429
    user = users.check_password(form.username.data, form.password.data)
    if user is None:
        form.password.errors = ["Wrong username or password."]
        return render_template("admin/auth/login.html", form=form), 401
    throttle.succeeded(keys)
    # A new session on sign-in: nothing set before (by anyone) survives it.
    session.clear()
    user_sessions.start(user)
    login_user(user)
    return redirect(safe_next(form.next.data))


@bp.post("/logout")
def logout():
    """End the session (a CSRF-checked POST, so no other site can sign you out)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.home"))
    # Ended on the server too: a copy of the cookie is worth nothing now.
    user_sessions.end(current_user)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change your password; every other session of yours ends."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("admin/auth/password.html", form=form), 400 if form.errors else 200
    keys = throttle.throttle_keys(current_user.username, request.remote_addr)
    wait = throttle.reserve(keys)
    if wait:
        form.current_password.errors = [_too_many(wait)]
        return render_template("admin/auth/password.html", form=form), 429
    if users.check_password(current_user.username, form.current_password.data) is None:
        form.current_password.errors = ["Wrong password."]
        return render_template("admin/auth/password.html", form=form), 401
    throttle.succeeded(keys)
    users.set_password(
        current_user.id, form.new_password.data, keep_session=current_user.session_id
    )
    flash("Password changed. Your other sessions are signed out.", "success")
    return redirect(url_for("admin.home"))
