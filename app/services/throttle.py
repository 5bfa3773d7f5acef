"""Slowing down repeated sign-in failures, per username and per client address.

Kept in memory, per process: a brake on password guessing, not an audit log.
After FREE_FAILURES failures, each further attempt must wait a delay that
doubles with every failure, up to MAX_DELAY seconds. A success clears it.
"""

import threading
import time
from dataclasses import dataclass, field

FREE_FAILURES = 5
BASE_DELAY = 1.0
MAX_DELAY = 300.0
FORGET_AFTER = 3600.0
MAX_TRACKED = 10_000


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0


@dataclass
class LoginThrottle:
    """Failure counts keyed by 'user:NAME' and 'addr:IP'."""

    clock: object = time.monotonic
    _records: dict[str, _Record] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _delay(self, record: _Record) -> float:
        if record.failures < FREE_FAILURES:
            return 0.0
        return min(MAX_DELAY, BASE_DELAY * 2 ** (record.failures - FREE_FAILURES))

    def wait_seconds(self, keys: list[str]) -> int:
        """Seconds to wait before another attempt with these keys may be checked."""
        now = self.clock()  # type: ignore[operator]
        with self._lock:
            waits = [
                record.last + self._delay(record) - now
                for key in keys
                if (record := self._records.get(key)) is not None
            ]
        longest = max(waits, default=0.0)
        return int(longest) + 1 if longest > 0 else 0

    def failed(self, keys: list[str]) -> None:
        """Record a failed attempt."""
        now = self.clock()  # type: ignore[operator]
        with self._lock:
            if len(self._records) > MAX_TRACKED:
                self._forget(now)
            for key in keys:
                record = self._records.setdefault(key, _Record())
                record.failures += 1
                record.last = now

    def succeeded(self, keys: list[str]) -> None:
        """Forget the failures of a user who got in (the address keeps its record)."""
        with self._lock:
            for key in keys:
                if key.startswith("user:"):
                    self._records.pop(key, None)

    def _forget(self, now: float) -> None:
        stale = [key for key, rec in self._records.items() if now - rec.last > FORGET_AFTER]
        for key in stale:
            del self._records[key]


def throttle_keys(username: str, address: str | None) -> list[str]:
    """The keys an attempt counts against."""
    return [f"user:{username.strip().lower()}", f"addr:{address or '-'}"]
