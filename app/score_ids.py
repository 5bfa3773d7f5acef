"""Score ids are UUIDv7 strings: their first 48 bits are the creation millisecond.

Times are turned into epoch counts with integer arithmetic: a float timestamp
has about a quarter of a microsecond of precision today, enough to put a time
that falls on a millisecond boundary in the millisecond before it.
"""

from datetime import UTC, datetime, timedelta

import uuid_utils

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_milliseconds(moment: datetime) -> int:
    """Whole milliseconds from the Unix epoch to an aware moment, rounded down."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def id_at(moment: datetime) -> str:
    """A new UUIDv7 string for a score created at the given moment (not now)."""
    nanoseconds = (moment - EPOCH) // timedelta(microseconds=1) * 1000
    return str(uuid_utils.uuid7(nanoseconds=nanoseconds))


def id_floor(moment: datetime) -> str:
    """The smallest UUIDv7 string whose timestamp is at or after the moment's millisecond."""
    digits = f"{max(0, epoch_milliseconds(moment)):012x}"
    return f"{digits[:8]}-{digits[8:]}-0000-0000-000000000000"
