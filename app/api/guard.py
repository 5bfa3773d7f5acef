"""Every /v2 request is authenticated, then checked against the entity, before its body is read.

One exception, for speed: a plain create of a score or a prediction (small
body, no Idempotency-Key, a key-shaped credential) has its key checked by the
batch that stores it, once for all the creates that share it
(app/storage/row_batches.py). Its
body is parsed first, but it is still answered 401 or 403 before anything
about the body: a refused body is answered only after the key was checked
here, as for any other request.
"""

from functools import lru_cache

from flask import g, request
from werkzeug.datastructures import Authorization

from app.api import bp
from app.api.body import declared_length
from app.api.responses import error_response, validation_error
from app.auth import credentials_were_sent, current_api_user
from app.extensions import api_auth, basic_auth, token_auth
from app.services import keys
from app.services.errors import DomainError, Forbidden
from app.validation import path_segment_errors

PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}
# The creates whose key may be checked where their row is stored (creates.Creates.for_key).
DEFERRED_CREATES = frozenset({"api.create_score", "api.create_prediction"})
# Bodies up to this size may be parsed before the key is checked: about what
# the key lookup costs, so an unauthenticated caller cannot make us work more.
DEFERRED_BODY_MAX = 16 * 1024


@bp.before_request
def _guard():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    digest = _deferrable_key_digest()
    if digest is not None:
        g.deferred_key_digest = digest
        return None
    return _authenticated_guard()


def deferred_key_digest() -> str | None:
    """The digest of the key a create presented, when checking it was left to the insert."""
    return g.get("deferred_key_digest")


def authenticate_now():
    """Check a deferred key as the guard would have: None, or the 401/403/422 answer."""
    g.pop("deferred_key_digest", None)
    return _authenticated_guard()


def refusal(exc: DomainError):
    """The answer for a key the insert refused: the guard's own 401 or 403."""
    if isinstance(exc, Forbidden):
        return error_response(403, exc.message)
    return _auth_error(401)


def _deferrable_key_digest() -> str | None:
    # Runs before every create, so it reads the WSGI environ itself: each
    # attribute of `request` is a proxy lookup, and some are parsed anew.
    current = request._get_current_object()  # type: ignore[attr-defined]
    environ = current.environ
    if current.endpoint not in DEFERRED_CREATES or "HTTP_IDEMPOTENCY_KEY" in environ:
        return None
    length = declared_length(environ)
    if length is None or length > DEFERRED_BODY_MAX:
        return None
    header = environ.get("HTTP_AUTHORIZATION")
    if not header:
        return None
    args = current.view_args
    if not (_valid_segment(args["entity"]) and _valid_segment(args["project"])):
        return None
    return _digest_from_header(header)


@lru_cache(maxsize=256)
def _digest_from_header(header: str) -> str | None:
    # A client sends the same header with every request: parsing it and
    # hashing the key once per distinct header is enough. The digest says
    # nothing of whether the key is valid; the insert checks that each time.
    authorization = Authorization.from_header(header)
    # Only the schemes the guard itself accepts (api_auth: Basic and Bearer).
    if authorization is None or authorization.type not in ("basic", "bearer"):
        return None
    key = authorization.password if authorization.type == "basic" else authorization.token
    return keys.key_digest(key) if key else None


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


@lru_cache(maxsize=256)
def _valid_segment(value: str) -> bool:
    # Cached: every create of a client names the same entity and project.
    return not path_segment_errors(value)


def _segment_errors(name: str, value: str) -> list[dict]:
    return [{**error, "loc": ["path", name]} for error in path_segment_errors(value)]


def _auth_error(_status: int):
    if credentials_were_sent():
        detail = "Invalid authentication credentials"
    else:
        detail = "Not authenticated"
    return error_response(401, detail, {"WWW-Authenticate": "Basic"})


basic_auth.error_handler(_auth_error)
token_auth.error_handler(_auth_error)
