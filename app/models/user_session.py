"""Signed-in sessions, kept on the server so that signing out ends them."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import UTCDateTime, utcnow


class UserSession(db.Model):
    __tablename__ = "user_sessions"

    # SHA-256 of the random id the session cookie carries: the table alone
    # cannot be turned into cookies.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
