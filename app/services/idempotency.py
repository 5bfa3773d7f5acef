"""Retry-safe creates: an Idempotency-Key maps a caller's request to the score it stored."""

import hashlib
import time
from datetime import timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from app.jsonbody import dumps_value
from app.models import IdempotencyKey
from app.models._time import utcnow
from app.services import scorer_values
from app.services.errors import Conflict, DomainError
from app.services.keys import ApiPrincipal
from app.services.scores import new_score_row
from app.storage import core_write, insert_scores
from app.validation import ScoreCreate

# Keys are honoured for at least this long, then purged.
RETENTION = timedelta(hours=24)
KEY_MAX_LENGTH = 255
_PURGE_EVERY_SECONDS = 600
_last_purge = 0.0


def check_key(key: str) -> str:
    """Return the key if usable: 1 to 255 visible ASCII characters."""
    if not 1 <= len(key) <= KEY_MAX_LENGTH or not all("!" <= char <= "~" for char in key):
        raise DomainError(
            f"Idempotency-Key must be 1 to {KEY_MAX_LENGTH} visible ASCII characters",
            field="idempotency-key",
        )
    return key


def fingerprint(entity: str, project: str, fields: ScoreCreate) -> str:
    """A hash of what the request asks for; equal bodies in any formatting hash alike."""
    canonical = dumps_value(
        [
            entity,
            project,
            fields.prediction_id,
            fields.scorer,
            fields.value,
            fields.evaluation_run_id,
        ]
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def create_score_once(
    entity: str, project: str, fields: ScoreCreate, user: ApiPrincipal, key: str
) -> tuple[str, bool]:
    """Store the score unless this caller's key already did; return (score_id, replayed).

    Raises Conflict when the key was used for a different request, and
    ScorerConfigError when a new score's value breaks its scorer's config.
    """
    request_hash = fingerprint(entity, project, fields)

    def write(checked: scorer_values.Checked) -> tuple[str, bool]:
        row = new_score_row(entity, project, fields, user.username, "api", checked.version)
        stamp = (entity, project, checked.generation)
        try:
            return _create_or_replay(user.id, key, request_hash, row, stamp)
        except IntegrityError:
            # A concurrent request with the same key committed first (PostgreSQL
            # lets both reach the insert): its row decides.
            return _create_or_replay(user.id, key, request_hash, row, stamp)

    try:
        return scorer_values.write_checked(entity, project, fields.scorer, fields.value, write)
    except scorer_values.ScorerConfigError:
        # A retry of a request stored before the config came replays it all the same.
        replayed = _replayed(user.id, key, request_hash)
        if replayed is None:
            raise
        return replayed, True


def _replayed(user_id: int, key: str, request_hash: str) -> str | None:
    this_key = (IdempotencyKey.user_id == user_id) & (IdempotencyKey.key == key)
    with core_write() as connection:
        existing = connection.execute(
            select(
                IdempotencyKey.request_hash, IdempotencyKey.score_id, IdempotencyKey.created_at
            ).where(this_key)
        ).first()
    if existing is None or utcnow() - existing.created_at >= RETENTION:
        return None
    return existing.score_id if existing.request_hash == request_hash else None


def _create_or_replay(
    user_id: int, key: str, request_hash: str, row: dict, stamp: tuple[str, str, int]
) -> tuple[str, bool]:
    now = utcnow()
    this_key = (IdempotencyKey.user_id == user_id) & (IdempotencyKey.key == key)
    with core_write() as connection:
        _purge_now_and_then(connection, now)
        existing = connection.execute(
            select(
                IdempotencyKey.request_hash, IdempotencyKey.score_id, IdempotencyKey.created_at
            ).where(this_key)
        ).first()
        if existing is not None and now - existing.created_at < RETENTION:
            if existing.request_hash != request_hash:
                raise Conflict("Idempotency-Key was already used for a different request")
            return existing.score_id, True
        if existing is not None:
            connection.execute(delete(IdempotencyKey).where(this_key))
        insert_scores(connection, [row], [stamp])
        connection.execute(
            insert(IdempotencyKey).values(
                user_id=user_id,
                key=key,
                request_hash=request_hash,
                score_id=row["id"],
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
