"""The create routes' one flow: the body judged, then stored by key, by user or once per key."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException

from app.api import guard
from app.api.body import RefusedBody, validated_body, with_body_prefix
from app.api.responses import error_response, json_response, validation_error
from app.auth import current_api_user
from app.services import idempotency
from app.services.errors import Conflict, DomainError, Forbidden, NotAuthenticated
from app.services.scorer_values import ScorerConfigError


@dataclass(frozen=True)
class Creates:
    """One kind of create: the name of the id it answers with, and the service's calls."""

    id_name: str
    validate: Callable[[Any], Any]
    # (entity, project, fields, author's username) -> id
    by_user: Callable[[str, str, Any, str], str]
    # (entity, project, fields, key digest) -> id; the key checked where the row is stored.
    for_key: Callable[[str, str, Any, str], str] | None
    # (entity, project, fields, principal, Idempotency-Key) -> (id, replayed)
    once: Callable[[str, str, Any, Any, str], tuple[str, bool]]


def create(entity: str, project: str, kind: Creates) -> Response:
    """Judge the body and store it. 200 {id}; 400 bad UTF-8; 409 key reused; 413; 422."""
    try:
        return _create(entity, project, kind)
    except ScorerConfigError as exc:
        # A score's value broke its scorer's config, checked before a deferred key was:
        # a caller that may not use the entity learns nothing of the config either.
        refused = guard.authenticate_now() if guard.deferred_key_digest() is not None else None
        return refused or validation_error(with_body_prefix(exc.errors))


def _create(entity: str, project: str, kind: Creates) -> Response:
    deferred_digest = guard.deferred_key_digest()
    try:
        fields = validated_body(kind.validate)
    except (RefusedBody, HTTPException) as exc:
        # A caller that may not use the entity learns nothing about its body.
        refused = guard.authenticate_now() if deferred_digest is not None else None
        if refused is not None:
            return refused
        if isinstance(exc, HTTPException):
            raise
        return validation_error(exc.errors)
    if deferred_digest is not None:
        # The guard defers only creates that check a key where they store it.
        assert kind.for_key is not None, f"{request.endpoint} is in guard.DEFERRED_CREATES"
        try:
            new_id = kind.for_key(entity, project, fields, deferred_digest)
        except (NotAuthenticated, Forbidden) as exc:
            return guard.refusal(exc)
    elif (key := request.headers.get("Idempotency-Key")) is not None:
        return _create_once(entity, project, fields, key, kind)
    else:
        new_id = kind.by_user(entity, project, fields, current_api_user().username)
    return Response(f'{{"{kind.id_name}":"{new_id}"}}', mimetype="application/json")


def _create_once(entity: str, project: str, fields, key: str, kind: Creates) -> Response:
    """The create with an Idempotency-Key. 200 (replayed or new); 409 key reused; 422 bad key."""
    try:
        new_id, replayed = kind.once(
            entity, project, fields, current_api_user(), idempotency.check_key(key)
        )
    except Conflict as exc:
        return error_response(409, exc.message)
    except DomainError as exc:
        return validation_error(
            [
                {
                    "type": "value_error",
                    "loc": ["header", "idempotency-key"],
                    "msg": exc.message,
                    "input": key,
                }
            ]
        )
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return json_response({kind.id_name: new_id}, headers=headers)
