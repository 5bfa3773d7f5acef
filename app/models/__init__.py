"""The tables, one module each."""

from app.models.api_key import ApiKey
from app.models.idempotency import IdempotencyKey
from app.models.project_change import ProjectChange
from app.models.score import Score
from app.models.sign_in_attempt import SignInAttempts
from app.models.user import EntityGrant, User
from app.models.user_session import UserSession

__all__ = [
    "ApiKey",
    "EntityGrant",
    "IdempotencyKey",
    "ProjectChange",
    "Score",
    "SignInAttempts",
    "User",
    "UserSession",
]
