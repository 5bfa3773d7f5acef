"""The tables, one module each."""

from app.models.api_key import ApiKey
from app.models.idempotency import IdempotencyKey
from app.models.project_change import ProjectChange
from app.models.score import Score
from app.models.user import EntityGrant, User

__all__ = ["ApiKey", "EntityGrant", "IdempotencyKey", "ProjectChange", "Score", "User"]
