"""The admin UI: server-rendered pages for people, behind a session login."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

bp = Blueprint("admin", __name__)

PUBLIC_ENDPOINTS = {"admin.login"}


@bp.before_request
def _guard():
    """Send anyone not signed in to the login page, remembering where they were going."""
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
    security,
    templating,
)
