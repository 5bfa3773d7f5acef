"""Durable SQLite commits without holding the writer lock through fdatasync.

With synchronous=FULL, SQLite syncs the WAL inside COMMIT, so the next
writer waits out every fdatasync while the lock is held. Here connections
run with synchronous=NORMAL (COMMIT writes the WAL but does not sync it)
and each commit syncs the WAL file itself: at once, or, inside a
`deferred()` block, when the block ends, after the writer lock is released.
Either way commit() or the block returns only once the transaction is on
disk, as with FULL.

Why this is as safe as FULL: fdatasync flushes a file's data however it was
written, so syncing the WAL after COMMIT covers the transaction's frames.
If the WAL was reset or removed in between, a checkpoint copied those
frames into the database first, and under NORMAL SQLite syncs the WAL
before a checkpoint and the database after it. What it saves:
bench/README.md#wal-sync-outside-the-writer-lock.
"""

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError

_state = threading.local()


class DurableConnection(sqlite3.Connection):
    """A pysqlite connection (pass as `factory`) whose commits sync the WAL."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        path = os.fspath(database)
        self.wal_path = None if path in ("", ":memory:") else f"{path}-wal"

    def commit(self) -> None:
        wrote = self.in_transaction
        super().commit()
        if wrote:
            self.sync()

    def sync(self) -> None:
        """Make what this connection committed durable: now, or when deferred() ends.

        Also for writes that commit without commit(), such as the backup API's.
        """
        if self.wal_path is None:
            return
        pending = getattr(_state, "pending", None)
        if pending is None:
            sync_wal(self.wal_path)
        else:
            pending.add(self.wal_path)


@contextmanager
def deferred() -> Iterator[None]:
    """Sync the WALs this thread's commits wrote when the block ends, not inside it."""
    if getattr(_state, "pending", None) is not None:
        yield  # an outer block syncs
        return
    _state.pending = set()
    try:
        yield
    finally:
        pending, _state.pending = _state.pending, None
        for wal_path in pending:
            sync_wal(wal_path)


def sync_wal(wal_path: str) -> None:
    """fdatasync the WAL file; a WAL that is gone was checkpointed, and synced with it."""
    try:
        descriptor = os.open(wal_path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fdatasync(descriptor)
    except OSError as exc:
        # The commit may not be on disk: fail the request as a database error.
        raise OperationalError("fdatasync", None, exc) from exc
    finally:
        os.close(descriptor)
