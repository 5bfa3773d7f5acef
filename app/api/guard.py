"""Every /v2 request is authenticated, then checked against the entity, before its body is read."""

from flask import request

from app.api import bp
from app.api.responses import error_response, validation_error
from app.auth import credentials_were_sent, current_api_user
from app.extensions import api_auth, basic_auth, token_auth

PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}
PATH_SEGMENT_MAX = 128


@bp.before_request
def _guard():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return _authenticated_guard()


@api_auth.login_required
def _authenticated_guard():
    args = request.view_args or {}
    errors = [
        error
        for name in ("entity", "project")
        if name in args
        for error in _segment_errors(name, args[name])
    ]
    if errors:
        return validation_error(errors)
    entity = args.get("entity")
    if entity is not None and not current_api_user().may_use(entity):
        return error_response(403, f"Not allowed to access entity '{entity}'")
    return None


def _segment_errors(name: str, value: str) -> list[dict]:
    loc = ["path", name]
    if len(value) > PATH_SEGMENT_MAX:
        return [
            {
                "type": "string_too_long",
                "loc": loc,
                "msg": f"String should have at most {PATH_SEGMENT_MAX} characters",
                "input": value,
                "ctx": {"max_length": PATH_SEGMENT_MAX},
            }
        ]
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return [
            {
                "type": "string_control_character",
                "loc": loc,
                "msg": "String should not contain control characters",
                "input": value,
            }
        ]
    return []


def _auth_error(_status: int):
    if credentials_were_sent():
        detail = "Invalid authentication credentials"
    else:
        detail = "Not authenticated"
    return error_response(401, detail, {"WWW-Authenticate": "Basic"})


basic_auth.error_handler(_auth_error)
token_auth.error_handler(_auth_error)
