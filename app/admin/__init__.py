"""The admin UI: server-rendered pages for people, behind a session login."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from app.admin.converters import AnyIdConverter
from app.extensions import csrf

bp = Blueprint("admin", __name__)


@bp.record_once
def _register_converters(state) -> None:
    """Run and prediction ids in paths (before any rule that uses them is added)."""
    state.app.url_map.converters["anyid"] = AnyIdConverter


PUBLIC_ENDPOINTS = {"admin.login"}


@bp.before_request
def _guard():
    """Check the CSRF token of a form; send anyone not signed in to the login page."""
    csrf.protect()  # only POST, PUT, PATCH and DELETE carry a token (WTF_CSRF_METHODS)
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return redirect(url_for("admin.login", next=_here() if request.method == "GET" else None))


def _here() -> str:
    """This page's path and query string; request.full_path would end a bare path in '?'."""
    query = request.query_string.decode("utf-8", "replace")
    return f"{request.path}?{query}" if query else request.path


from app.admin import (  # noqa: E402,F401  (routes register on import)
    auth_views,
    charts,
    compare,
    errors,
    hand_scoring,
    home,
    keys,
    predictions,
    projects,
    queue_add,
    queue_agreement,
    queue_review,
    queues,
    runs,
    scorer_configs,
    scores,
    templating,
    value_lines,
)
