"""API keys: random secrets of which only a SHA-256 hash is kept."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from app.database import write_transaction
from app.extensions import db
from app.models import ApiKey, User
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


def authenticate_key(key: str) -> User | None:
    """The owner of an active key, or None. Touches last_used_at at most once a minute."""
    if not key.startswith(KEY_PREFIX):
        return None
    digest = hash_key(key)
    record = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if record is None or record.revoked_at is not None:
        return None
    # The lookup went through an index on the hash; compare in constant time anyway.
    if not hmac.compare_digest(record.key_hash, digest):
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        _touch(record.id, now)
    return record.user


def _touch(key_id: int, moment) -> None:
    with write_transaction() as session:
        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=moment))
