"""Errors under the API: always JSON in FastAPI's shape, never HTML."""

from flask import current_app, request
from werkzeug.exceptions import HTTPException

from app.api.responses import error_response

API_PREFIXES = ("/v2/", "/api/v1/", "/health", "/openapi.json")
API_ROOTS = ("/v2", "/api/v1")

# Werkzeug's names for these statuses differ from what clients of the
# reference server see; the rest use Werkzeug's standard phrase.
_DETAILS = {
    400: "There was an error parsing the body",
    413: "Request body too large",
}


def is_api_path(path: str) -> bool:
    """Whether a path belongs to the JSON API."""
    return path in API_ROOTS or path.startswith(API_PREFIXES)


def is_api_request() -> bool:
    """Whether the request is for the JSON API (so errors must be JSON)."""
    return is_api_path(request.path)


def http_error(exc: HTTPException):
    """An HTTP error (404, 405, 413, ...) as JSON."""
    status = exc.code or 500
    detail = _DETAILS.get(status, exc.name)
    headers = {}
    if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return error_response(status, detail, headers)


def database_unavailable(exc: Exception):
    """The database did not answer (down, or busy past the timeout): 503, retry later."""
    # The driver's own words (refused, terminated, locked) tell an operator which it was.
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    current_app.logger.warning(
        "database unavailable on %s %s: %s: %s",
        request.method,
        request.path,
        type(exc).__name__,
        reason[0] if reason else "",
    )
    return error_response(503, "Database unavailable", {"Retry-After": "1"})


def internal_error(exc: Exception):
    """Anything unexpected: logged with its traceback, a plain 500 to the client."""
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "Internal Server Error")
