"""Idempotency keys: a retried create returns what the first attempt stored."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import UTCDateTime


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"

    # Scoped to the caller: two users may pick the same key independently.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # SHA-256 of the entity, project and validated fields of the first request.
    request_hash: Mapped[str] = mapped_column(String(64))
    # What the key created ("score", "evaluation_run", "prediction") and its id.
    kind: Mapped[str] = mapped_column(String(16))
    created_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
