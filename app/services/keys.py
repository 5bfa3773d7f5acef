"""API keys: random secrets of which only a SHA-256 hash is kept."""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.selectable import NamedFromClause

from app.database import core_write, request_connection, write_transaction
from app.driver import DriverStatement
from app.extensions import db
from app.models import ApiKey, EntityGrant, User
from app.models._time import utcnow
from app.services.errors import DomainError, Forbidden, NotAuthenticated, NotFound

KEY_PREFIX = "sk_"
PREFIX_LENGTH = 12  # "sk_" and 9 characters: enough to tell keys apart
# last_used_at is a hint for people, not an audit log: writing it on every
# request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_key(user: User) -> tuple[ApiKey, str]:
    """Create a key for the user; return the record and the key, shown only now."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    record = ApiKey(user_id=user.id, prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key))
    with write_transaction() as session:
        session.add(record)
    return record, key


def list_keys(user: User | None = None) -> list[ApiKey]:
    """Keys of one user, or of everyone, newest first."""
    query = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if user is not None:
        query = query.where(ApiKey.user_id == user.id)
    return list(db.session.scalars(query))


def revoke_key(prefix: str, user: User | None = None) -> ApiKey:
    """Revoke the active key with this prefix (of this user, when given)."""
    with write_transaction() as session:
        query = select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        if user is not None:
            query = query.where(ApiKey.user_id == user.id)
        record = session.scalar(query)
        if record is None:
            raise NotFound(f"No active key with prefix '{prefix}'", field="prefix")
        record.revoked_at = utcnow()
    return record


@dataclass(frozen=True)
class ApiPrincipal:
    """Who an API key speaks for: what the request needs of its owner, read in one go."""

    id: int
    username: str
    is_admin: bool
    entities: frozenset[str]

    def may_use(self, entity: str) -> bool:
        """The same rule as User.may_use."""
        return self.is_admin or entity in self.entities


# What a presented key is, and whether its owner holds a grant for the entity
# asked for (the outer join), in one statement. Times are compared in SQL, so
# the driver's rows need no processing. A batch of creates on PostgreSQL runs
# it as part of its insert (app/services/score_inserts.py).
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
# Run on the driver cursor (app/driver.py): this runs on every API request.
_KEY_LOOKUP = DriverStatement(KEY_LOOKUP)


@dataclass(frozen=True)
class KeyCheck:
    """What one lookup of a key found: its owner, and whether last_used_at is due a write."""

    principal: ApiPrincipal
    key_id: int
    stale: bool


def key_digest(key: str) -> str | None:
    """The stored hash a presented key would have, or None if it cannot be a key."""
    return hash_key(key) if key.startswith(KEY_PREFIX) else None


def lookup_params(digest: str, entity: str | None, now) -> dict:
    """The parameters of KEY_LOOKUP for a key presented now, for the entity."""
    return {"digest": digest, "entity": entity or "", "stale_before": now - LAST_USED_RESOLUTION}


def check_key(connection: Connection, digest: str, entity: str | None, now) -> KeyCheck | None:
    """Look the key up on the given connection: its active owner, or None.

    The owner's entities hold the asked-for one, if granted.
    """
    return found_key(_KEY_LOOKUP.first(connection, lookup_params(digest, entity, now)), digest)


def found_key(row: Sequence | None, digest: str) -> KeyCheck | None:
    """What a row of KEY_LOOKUP says: the key's active owner, or None."""
    if row is None:
        return None
    key_id, stored_hash, revoked, stale, user_id, username, is_admin, granted = row
    # The lookup went through an index on the hash; compare in constant time anyway.
    if revoked or not hmac.compare_digest(stored_hash, digest):
        return None
    entities = frozenset({granted} if granted else ())
    return KeyCheck(ApiPrincipal(user_id, username, bool(is_admin), entities), key_id, bool(stale))


def refusal(found: KeyCheck | None, entity: str) -> DomainError | None:
    """Why a request for the entity is refused, by what found_key said; None: allowed."""
    if found is None:
        return NotAuthenticated("Invalid authentication credentials")
    if not found.principal.may_use(entity):
        return Forbidden(f"Not allowed to access entity '{entity}'", field="entity")
    return None


def allows_entity(found: NamedFromClause) -> ColumnElement[bool]:
    """refusal's None (found_key's verdict, then may_use) in SQL, over KEY_LOOKUP's columns.

    The stored hash equals the digest by the lookup's own condition.
    """
    return found.c.revoked.is_(False) & (found.c.is_admin | found.c.granted.is_not(None))


def marking_used(found: NamedFromClause) -> Update:
    """mark_used as a statement over KEY_LOOKUP's columns: the found key, if it is
    active and its last_used_at is stale, is marked used at the `used_at` parameter."""
    return (
        update(ApiKey)
        .where(ApiKey.id == found.c.key_id, found.c.stale, found.c.revoked.is_(False))
        .values(last_used_at=bindparam("used_at"))
    )


def authenticate_key(key: str, entity: str | None = None) -> ApiPrincipal | None:
    """The owner of an active key, or None; its entities are the asked-for one, if granted.

    Touches last_used_at at most once a minute.
    """
    digest = key_digest(key)
    if digest is None:
        return None
    now = utcnow()
    found = check_key(request_connection(), digest, entity, now)
    if found is None:
        return None
    if found.stale:
        with core_write() as connection:
            mark_used(connection, [found.key_id], now)
    return found.principal


def mark_used(connection: Connection, key_ids: list[int], moment) -> None:
    """Record that these keys were used at the moment, in the caller's transaction."""
    connection.execute(update(ApiKey).where(ApiKey.id.in_(key_ids)).values(last_used_at=moment))
