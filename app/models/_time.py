"""Timestamps: always timezone-aware UTC, computed per row."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time in UTC; used as a per-row default, never at import."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A DateTime that stores UTC and always reads back timezone-aware.

    SQLite has no time zones, so naive values read from it are tagged UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value
