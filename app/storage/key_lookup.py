"""Looking up a presented API key, and its owner's grant for the entity asked for, in one statement.

The statement runs on every API request, on the driver cursor (compiled.py);
a batch of creates on PostgreSQL runs it inside its insert
(row_inserts.py), so the key check costs no round trip of its own.
"""

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.selectable import NamedFromClause

from app.models import ApiKey, EntityGrant, User
from app.models.user import may_use_entity, may_use_entity_clause
from app.storage.compiled import DriverStatement
from app.storage.transactions import core_write

# last_used_at is a hint for people, not an audit log: writing it on every
# request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class KeyRefused(Exception):
    """A create's key was checked by its batch and refused (see refusal())."""

    def __init__(self, entity: str, unknown: bool):
        super().__init__("unknown key" if unknown else f"entity '{entity}' not granted")
        self.entity = entity
        self.unknown = unknown  # an unknown or revoked key; else the owner lacks the grant


# What a presented key is, and whether its owner holds a grant for the entity
# asked for (the outer join). Times are compared in SQL, so the driver's
# rows need no processing.
KEY_LOOKUP = (
    select(
        ApiKey.id.label("key_id"),
        ApiKey.key_hash,
        ApiKey.revoked_at.is_not(None).label("revoked"),
        or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < bindparam("stale_before")).label(
            "stale"
        ),
        User.id.label("user_id"),
        User.username,
        User.is_admin,
        EntityGrant.entity.label("granted"),
    )
    .join(User, User.id == ApiKey.user_id)
    .outerjoin(
        EntityGrant,
        (EntityGrant.user_id == User.id) & (EntityGrant.entity == bindparam("entity")),
    )
    .where(ApiKey.key_hash == bindparam("digest"))
)
_KEY_LOOKUP = DriverStatement(KEY_LOOKUP)


@dataclass(frozen=True)
class KeyCheck:
    """What one lookup of an active key found: its owner, and whether last_used_at is due."""

    key_id: int
    user_id: int
    username: str
    is_admin: bool
    granted: str | None  # the entity asked for, if the owner holds a grant for it
    stale: bool

    def may_use(self, entity: str) -> bool:
        """Whether the owner may use the entity (the one rule: models.user.may_use_entity)."""
        return may_use_entity(self.is_admin, self.granted == entity)


def lookup_params(digest: str, entity: str | None, now: datetime) -> dict:
    """The parameters of KEY_LOOKUP for a key presented now, for the entity."""
    return {"digest": digest, "entity": entity or "", "stale_before": now - LAST_USED_RESOLUTION}


def check_key(connection: Connection, digest: str, entity: str | None, now) -> KeyCheck | None:
    """Look the key up on the given connection: its active owner, or None."""
    return found_key(_KEY_LOOKUP.first(connection, lookup_params(digest, entity, now)), digest)


def found_key(row: Sequence | None, digest: str) -> KeyCheck | None:
    """What a row of KEY_LOOKUP says: the key's active owner, or None."""
    if row is None:
        return None
    key_id, stored_hash, revoked, stale, user_id, username, is_admin, granted = row
    # The lookup went through an index on the hash; compare in constant time anyway.
    if revoked or not hmac.compare_digest(stored_hash, digest):
        return None
    return KeyCheck(key_id, user_id, username, bool(is_admin), granted, bool(stale))


def refusal(found: KeyCheck | None, entity: str) -> KeyRefused | None:
    """Why a request for the entity is refused, by what found_key said; None: allowed."""
    if found is None:
        return KeyRefused(entity, unknown=True)
    if not found.may_use(entity):
        return KeyRefused(entity, unknown=False)
    return None


def allows_entity(found: NamedFromClause) -> ColumnElement[bool]:
    """refusal()'s None in SQL, over KEY_LOOKUP's columns: an active key whose owner
    may use the entity. The stored hash equals the digest by the lookup's own condition."""
    return found.c.revoked.is_(False) & may_use_entity_clause(found.c.is_admin, found.c.granted)


def marking_used(found: NamedFromClause) -> Update:
    """mark_used as a statement over KEY_LOOKUP's columns: the found key, if it is
    active and its last_used_at is stale, is marked used at the `used_at` parameter."""
    return (
        update(ApiKey)
        .where(ApiKey.id == found.c.key_id, found.c.stale, found.c.revoked.is_(False))
        .values(last_used_at=bindparam("used_at"))
    )


def mark_used(connection: Connection, key_ids: list[int], moment) -> None:
    """Record that these keys were used at the moment, in the caller's transaction."""
    connection.execute(update(ApiKey).where(ApiKey.id.in_(key_ids)).values(last_used_at=moment))


def mark_used_now(key_id: int, moment) -> None:
    """Record that a key was used, in a write transaction of its own."""
    with core_write() as connection:
        mark_used(connection, [key_id], moment)
