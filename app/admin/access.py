"""Entity permissions for the pages: the same rule as the API (User.may_use)."""

from flask import abort
from flask_login import current_user

from app.admin.score_input import segment_errors


def require_entity(entity: str, project: str | None = None) -> None:
    """404 for a name no API path could hold; 403 unless the user may use the entity."""
    if segment_errors(entity) or (project is not None and segment_errors(project)):
        abort(404)
    if not current_user.may_use(entity):
        abort(403)
