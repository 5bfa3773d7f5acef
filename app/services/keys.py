"""API keys: random secrets of which only a SHA-256 hash is kept."""

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, User
from app.models._time import utcnow
from app.models.api_key import LABEL_MAX_LENGTH
from app.models.user import may_use_entity
from app.services.errors import DomainError, Forbidden, NotAuthenticated, NotFound
from app.storage import (
    KeyCheck,
    KeyRefused,
    could_be_stored,
    look_up_key,
    mark_used_now,
    write_transaction,
)

KEY_PREFIX = "sk_"
PREFIX_LENGTH = 12  # "sk_" and 9 characters: enough to tell keys apart
# Control characters (C0, DEL, C1) and the bidirectional controls: in a label
# they could rewrite a terminal line of `flask keys list` or reorder the text
# shown around them.
_LABEL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def clean_label(text: str | None) -> str | None:
    """A key's label as stored: stripped, None when empty; DomainError when it cannot be one."""
    label = (text or "").strip()
    if not label:
        return None
    if len(label) > LABEL_MAX_LENGTH:
        raise DomainError(f"Label should have at most {LABEL_MAX_LENGTH} characters", field="label")
    if _LABEL_CONTROL.search(label):
        raise DomainError("Label should not contain control characters", field="label")
    if _SURROGATE.search(label):
        # Only a command-line argument that is not valid UTF-8 decodes to these.
        raise DomainError("Label should be valid UTF-8 text", field="label")
    return label


def create_key(user: User, label: str | None = None) -> tuple[ApiKey, str]:
    """Create a key for the user, named by an optional label; return the record and the key.

    The key is shown only now. A bad label raises DomainError (field "label").
    """
    label = clean_label(label)
    key = KEY_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    record = ApiKey(
        user_id=user.id, prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key), label=label
    )
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
    if not could_be_stored(prefix):
        raise NotFound("No active key with that prefix", field="prefix")
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
        """Whether the key's owner may use the entity (the rule of models.user)."""
        return may_use_entity(self.is_admin, entity in self.entities)

    @classmethod
    def from_check(cls, check: KeyCheck) -> "ApiPrincipal":
        entities = frozenset({check.granted} if check.granted else ())
        return cls(check.user_id, check.username, check.is_admin, entities)


def key_digest(key: str) -> str | None:
    """The stored hash a presented key would have, or None if it cannot be a key."""
    return hash_key(key) if key.startswith(KEY_PREFIX) else None


def authenticate_key(key: str, entity: str | None = None) -> ApiPrincipal | None:
    """The owner of an active key, or None; its entities are the asked-for one, if granted.

    Touches last_used_at at most once a minute.
    """
    digest = key_digest(key)
    if digest is None:
        return None
    now = utcnow()
    found = look_up_key(digest, entity, now)
    if found is None:
        return None
    if found.stale:
        mark_used_now(found.key_id, now)
    return ApiPrincipal.from_check(found)


def refusal_error(refused: KeyRefused) -> DomainError:
    """The domain error for a key its create's batch refused."""
    if refused.unknown:
        return NotAuthenticated("Invalid authentication credentials")
    return Forbidden(f"Not allowed to access entity '{refused.entity}'", field="entity")


def store_for_key(store: Callable[[dict, str], None], row: dict, digest: str) -> str:
    """Store a new row through `store`, which checks the key with this digest; return its id.

    Raises NotAuthenticated for a key that is not active and Forbidden when
    its owner may not use the row's entity; nothing is stored then.
    """
    try:
        store(row, digest)
    except KeyRefused as refused:
        raise refusal_error(refused) from None
    return row["id"]
