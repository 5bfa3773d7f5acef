"""The admin UI: server-rendered pages for people, behind a session login."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from app.extensions import csrf

bp = Blueprint("admin", __name__)

PUBLIC_ENDPOINTS = {"admin.login"}


@bp.before_request
def _guard():
    """Check the CSRF token of a form; send anyone not signed in to the login page."""
    csrf.protect()  # only POST, PUT, PATCH and DELETE carry a token (WTF_CSRF_METHODS)
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("admin.login", next=target))


from app.admin import (  # noqa: E402,F401  (routes register on import)
    auth_views,
    errors,
    home,
    keys,
    projects,
    scores,
    templating,
)
