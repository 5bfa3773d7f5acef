"""Slowing down repeated sign-in failures, per username and per client address.

The counts live in the database, so that every worker sees the same ones.
An attempt is counted as failed before its password is checked, in one
locked transaction (storage.locked_sign_in_attempts): of a burst of
concurrent attempts, only FREE_FAILURES get their password checked before
the delay applies. A success takes its count back.

After FREE_FAILURES failures, each further attempt must wait a delay that
doubles with every failure, up to MAX_DELAY seconds. A success clears the
username's count; the address keeps its earlier failures.
"""

import hashlib
from datetime import datetime, timedelta

from app import storage
from app.models._time import utcnow

FREE_FAILURES = 5
BASE_DELAY = 1.0
MAX_DELAY = 300.0
FORGET_AFTER = timedelta(hours=1)


def throttle_keys(username: str, address: str | None) -> list[str]:
    """The keys an attempt counts against, as stored (hashed: any text, fixed length)."""
    names = [f"user:{username.strip().lower()}", f"addr:{address or '-'}"]
    return [hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest() for name in names]


def _delay(failures: int) -> float:
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY, BASE_DELAY * 2 ** (failures - FREE_FAILURES))


def reserve(keys: list[str], now: datetime | None = None) -> int:
    """Count an attempt as failed before it is checked: 0, or the seconds to wait (uncounted)."""
    now = now or utcnow()
    with storage.write_transaction() as session:
        storage.forget_sign_in_attempts(session, now - FORGET_AFTER)
        records = storage.locked_sign_in_attempts(session, keys, now)
        # Only a delay makes an attempt wait: of attempts racing from one address, one
        # whose clock was read before another's commit would otherwise wait for nothing.
        wait = max(
            (
                (record.last_at - now).total_seconds() + _delay(record.failures)
                for record in records
                if _delay(record.failures) > 0
            ),
            default=0.0,
        )
        if wait > 0:
            return int(wait) + 1
        for record in records:
            record.failures += 1
            record.last_at = now
    return 0


def succeeded(keys: list[str], now: datetime | None = None) -> None:
    """The reserved attempt was right: clear the username's count, take back the address's."""
    now = now or utcnow()
    user_key, address_key = keys
    with storage.write_transaction() as session:
        for record in storage.locked_sign_in_attempts(session, keys, now):
            if record.key_hash == user_key:
                session.delete(record)
            elif record.key_hash == address_key:
                record.failures = max(0, record.failures - 1)
