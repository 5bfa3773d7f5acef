"""Retry-safe creates: an Idempotency-Key maps a caller's request to what it created."""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from app.jsonbody import dumps_value
from app.models import IdempotencyKey
from app.models._time import utcnow
from app.services.errors import Conflict, DomainError
from app.storage import core_write

# Keys are honoured for at least this long, then purged.
RETENTION = timedelta(hours=24)
KEY_MAX_LENGTH = 255
_PURGE_EVERY_SECONDS = 600
_last_purge = 0.0


@dataclass(frozen=True)
class Kind:
    """A kind of thing a key can create: its name, and how its row is stored in a transaction."""

    name: str
    insert: Callable[[Connection, list[dict]], None]


def check_key(key: str) -> str:
    """Return the key if usable: 1 to 255 visible ASCII characters."""
    if not 1 <= len(key) <= KEY_MAX_LENGTH or not all("!" <= char <= "~" for char in key):
        raise DomainError(
            f"Idempotency-Key must be 1 to {KEY_MAX_LENGTH} visible ASCII characters",
            field="idempotency-key",
        )
    return key


def fingerprint(entity: str, project: str, fields: BaseModel) -> str:
    """A hash of what the request asks for; equal bodies in any formatting hash alike.

    The validated fields in their declared order, an absent optional field
    the same as null (a score's hash is what it was before runs and
    predictions had keys too, so keys stored then still replay).
    """
    canonical = dumps_value([entity, project, *fields.model_dump().values()])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def create_once(
    kind: Kind, entity: str, project: str, fields: BaseModel, row: dict, user_id: int, key: str
) -> tuple[str, bool]:
    """Store the row unless this caller's key already created something; return (id, replayed).

    Raises Conflict when the key was used for a different request, or to
    create another kind of thing.
    """
    request_hash = fingerprint(entity, project, fields)
    try:
        return _create_or_replay(kind, user_id, key, request_hash, row)
    except IntegrityError:
        # A concurrent request with the same key committed first (PostgreSQL
        # lets both reach the insert): its row decides.
        return _create_or_replay(kind, user_id, key, request_hash, row)


def replayed(
    kind_name: str, entity: str, project: str, fields: BaseModel, user_id: int, key: str
) -> str | None:
    """The id this caller's key created for this very request, if it is still kept; else None."""
    this_key = (IdempotencyKey.user_id == user_id) & (IdempotencyKey.key == key)
    with core_write() as connection:
        existing = connection.execute(
            select(
                IdempotencyKey.request_hash,
                IdempotencyKey.kind,
                IdempotencyKey.created_id,
                IdempotencyKey.created_at,
            ).where(this_key)
        ).first()
    if existing is None or utcnow() - existing.created_at >= RETENTION:
        return None
    same = existing.kind == kind_name and existing.request_hash == fingerprint(
        entity, project, fields
    )
    return existing.created_id if same else None


def _create_or_replay(
    kind: Kind, user_id: int, key: str, request_hash: str, row: dict
) -> tuple[str, bool]:
    now = utcnow()
    this_key = (IdempotencyKey.user_id == user_id) & (IdempotencyKey.key == key)
    with core_write() as connection:
        _purge_now_and_then(connection, now)
        existing = connection.execute(
            select(
                IdempotencyKey.request_hash,
                IdempotencyKey.kind,
                IdempotencyKey.created_id,
                IdempotencyKey.created_at,
            ).where(this_key)
        ).first()
        if existing is not None and now - existing.created_at < RETENTION:
            if existing.kind != kind.name or existing.request_hash != request_hash:
                raise Conflict("Idempotency-Key was already used for a different request")
            return existing.created_id, True
        if existing is not None:
            connection.execute(delete(IdempotencyKey).where(this_key))
        kind.insert(connection, [row])
        connection.execute(
            insert(IdempotencyKey).values(
                user_id=user_id,
                key=key,
                request_hash=request_hash,
                kind=kind.name,
                created_id=row["id"],
                created_at=now,
            )
        )
    return row["id"], False


def _purge_now_and_then(connection, now) -> None:
    global _last_purge
    if time.monotonic() - _last_purge < _PURGE_EVERY_SECONDS:
        return
    _last_purge = time.monotonic()
    connection.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - RETENTION))
