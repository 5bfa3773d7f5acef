"""Failed sign-ins per username and per client address, shared by every worker."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import UTCDateTime


class SignInAttempts(db.Model):
    __tablename__ = "sign_in_attempts"

    # SHA-256 of "user:NAME" or "addr:IP": fixed length, and no NUL to store.
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
