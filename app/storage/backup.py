"""Consistent copies of a live SQLite database, with SQLite's online backup API."""

import os
import sqlite3
import tempfile

from app.extensions import db
from app.storage import wal_sync
from app.storage.engine import is_sqlite


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def _require_sqlite() -> None:
    if not is_sqlite(db.engine):
        raise BackupError(
            "Backups here are for SQLite; for PostgreSQL use pg_dump and pg_restore "
            "(see the README)."
        )


def backup_to(path: str) -> int:
    """Copy the live database to path (atomically replaced); return its page count.

    The online backup API copies a consistent snapshot while writers go on.
    """
    _require_sqlite()
    directory = os.path.dirname(os.path.abspath(path))
    handle, partial = tempfile.mkstemp(prefix=".backup-", suffix=".db", dir=directory)
    os.close(handle)
    try:
        with db.engine.connect() as connection:
            source = _sqlite3_connection(connection)
            target = sqlite3.connect(partial)
            try:
                source.backup(target)
                pages = target.execute("PRAGMA page_count").fetchone()[0]
                _check_integrity(target)
            finally:
                target.close()
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    return pages


def restore_from(path: str) -> None:
    """Replace the configured database's contents with the backup at path.

    Stop the server first: open connections would keep reading the old pages.
    """
    _require_sqlite()
    if not os.path.isfile(path):
        raise BackupError(f"No backup file at {path}")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _check_backup(source, path)
        db.engine.dispose()
        with db.engine.connect() as connection:
            target = _sqlite3_connection(connection)
            source.backup(target)
            # The backup API commits without commit(): sync as commit() would.
            if isinstance(target, wal_sync.DurableConnection):
                target.sync()
    finally:
        source.close()


def _check_backup(source: sqlite3.Connection, path: str) -> None:
    """Refuse a file that is damaged, cut short or empty, before anything is replaced."""
    try:
        _check_integrity(source)
        tables = source.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        empty = tables.fetchone()[0] == 0
    except sqlite3.DatabaseError as exc:  # too damaged to check, or not a database at all
        raise BackupError(f"Integrity check failed: {exc}") from None
    if empty:
        # SQLite reads an empty file as an empty database: restoring it would drop every table.
        raise BackupError(f"Not a backup: {path} holds no tables")


def _sqlite3_connection(connection) -> sqlite3.Connection:
    """The driver's own connection under a SQLAlchemy one."""
    raw = connection.connection.dbapi_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _check_integrity(connection: sqlite3.Connection) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"Integrity check failed: {result}")
