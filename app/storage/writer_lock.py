"""One SQLite writer at a time across processes, woken the moment the lock frees.

SQLite's own busy handler polls: a writer that finds the database locked
sleeps 1, 2, 5 ... 100 ms before trying again, even if the lock was released
a few microseconds later. Under concurrent creates that sleep, not the
write, dominated latency. Queuing writers on an flock() beside the database
lets the kernel hand the lock straight to the next one.
"""

import fcntl
import os
import threading

from sqlalchemy.exc import OperationalError


class WriterLock:
    """An exclusive lock shared by every process (flock) and thread (RLock)."""

    def __init__(self, database: str):
        self.database = database
        self.path = f"{database}.writelock"
        self._threads = threading.RLock()
        self._fd: int | None = None
        self._pid = 0
        self._depth = 0

    def _file(self) -> int:
        # A forked worker must not share its parent's open file description,
        # or the two processes would hold the same flock.
        if self._fd is None or self._pid != os.getpid():
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                # A read-only directory, say: the database cannot take writes,
                # which callers answer as an outage (503), not a crash.
                raise OperationalError("open writer lock", None, exc) from exc
            self._pid = os.getpid()
        return self._fd

    def problem(self) -> str | None:
        """Why writers could not queue here (the lock file cannot be opened), or None."""
        try:
            self._file()
        except OperationalError as exc:
            return f"Writer lock cannot be opened: {exc.orig}"
        return None

    def __enter__(self) -> "WriterLock":
        self._threads.acquire()
        try:
            if self._depth == 0:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
            self._depth += 1
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        self._threads.release()
