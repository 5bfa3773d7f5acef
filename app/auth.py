"""Authentication in one place: API keys for /v2, passwords and sessions for the UI."""

from flask import request

from app.extensions import api_auth, basic_auth, login_manager, token_auth
from app.services import keys, user_sessions
from app.validation import path_segment_errors


@basic_auth.verify_password
def _verify_basic(_username: str, password: str):
    # The SDK sends Basic base64("api:" + KEY); any username is accepted.
    return keys.authenticate_key(password, _entity()) if password else None


@token_auth.verify_token
def _verify_bearer(token: str):
    return keys.authenticate_key(token, _entity()) if token else None


def _entity() -> str | None:
    # The entity the request is for, so one query can check the grant too. A
    # name no entity can have (the guard refuses it next) is looked up as none:
    # PostgreSQL cannot even compare a string holding NUL.
    entity = (request.view_args or {}).get("entity")
    return entity if entity is None or not path_segment_errors(entity) else None


def credentials_were_sent() -> bool:
    """Whether the request carried a well-formed Basic or Bearer Authorization header."""
    authorization = request.authorization
    if authorization is None:
        return False
    if authorization.type == "basic":
        return bool(authorization.password)
    return authorization.type == "bearer" and bool(authorization.token)


def current_api_user():
    """The user the API request authenticated as."""
    return api_auth.current_user()


@login_manager.user_loader
def _load_user(cookie_id: str):
    return user_sessions.load(cookie_id)
