"""Timestamps: always timezone-aware UTC, computed per row."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time in UTC; used as a per-row default, never at import."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A DateTime that stores UTC and always reads back timezone-aware.

    Values are written in UTC: PostgreSQL keeps the zone, SQLite's text form
    drops it, so naive values read back are UTC and tagged so.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, _database):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value, _database):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value
