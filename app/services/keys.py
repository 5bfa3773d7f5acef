"""API keys: random secrets of which only a SHA-256 hash is kept."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.engine import Connection

from app.database import core_write, request_connection, write_transaction
from app.driver import DriverStatement
from app.extensions import db
from app.models import ApiKey, EntityGrant, User
from app.models._time import utcnow
from app.services.errors import NotFound

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


# One statement, run on the driver cursor (app/driver.py): this runs on every
# API request. The outer join says whether the owner holds a grant for the
# entity asked for; the times are compared in SQL, so no row processing is needed.
_KEY_LOOKUP = DriverStatement(
    select(
        ApiKey.id,
        ApiKey.key_hash,
        ApiKey.revoked_at.is_not(None),
        or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < bindparam("stale_before")),
        User.id,
        User.username,
        User.is_admin,
        EntityGrant.entity,
    )
    .join(User, User.id == ApiKey.user_id)
    .outerjoin(
        EntityGrant,
        (EntityGrant.user_id == User.id) & (EntityGrant.entity == bindparam("entity")),
    )
    .where(ApiKey.key_hash == bindparam("digest"))
)


@dataclass(frozen=True)
class KeyCheck:
    """What one lookup of a key found: its owner, and whether last_used_at is due a write."""

    principal: ApiPrincipal
    key_id: int
    stale: bool


def key_digest(key: str) -> str | None:
    """The stored hash a presented key would have, or None if it cannot be a key."""
    return hash_key(key) if key.startswith(KEY_PREFIX) else None


def check_key(connection: Connection, digest: str, entity: str | None, now) -> KeyCheck | None:
    """Look the key up on the given connection: its active owner, or None.

    The owner's entities hold the asked-for one, if granted.
    """
    row = _KEY_LOOKUP.first(
        connection,
        {"digest": digest, "entity": entity or "", "stale_before": now - LAST_USED_RESOLUTION},
    )
    if row is None:
        return None
    key_id, stored_hash, revoked, stale, user_id, username, is_admin, granted = row
    # The lookup went through an index on the hash; compare in constant time anyway.
    if revoked or not hmac.compare_digest(stored_hash, digest):
        return None
    entities = frozenset({granted} if granted else ())
    return KeyCheck(ApiPrincipal(user_id, username, bool(is_admin), entities), key_id, bool(stale))


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
