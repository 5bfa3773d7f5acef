"""The SQLite database file: created private, and still the one this process opened.

The file holds password and key hashes, so it is created readable by its
owner alone (SQLite gives its -wal and -shm files the database's mode).

Connections keep the file open by descriptor. Once it is deleted (or
replaced) under a running service, they go on committing into a file no one
will ever read again, and a new connection would create an empty one in its
place. So a write is acknowledged only while the path still names the file
this process first opened (one stat per write transaction), no connection
creates the file anew once it was open, and /health says which it is.
"""

import os
import threading

from sqlalchemy.exc import OperationalError

# Less free space than this, and SQLite soon fails to grow its WAL.
MIN_FREE_BYTES = 16 * 1024 * 1024

# (st_dev, st_ino) of each database file as this process first opened it.
_opened: dict[str, tuple[int, int]] = {}
_lock = threading.Lock()


class DatabaseFileProblem(Exception):
    """The database file is gone, replaced, or cannot be written."""


def _refuse(problem: str) -> OperationalError:
    # The storage error every caller already answers as an outage (503).
    return OperationalError("database file check", None, DatabaseFileProblem(problem))


def file_of(database: str | None) -> str | None:
    """The file a SQLite URL's database names; None in memory (or given as a URI)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def before_connect(database: str) -> None:
    """Create the file private if it is new; refuse to recreate one this process had open."""
    if os.path.exists(database):
        return
    if database in _opened:
        raise _refuse(f"the database file {database} was deleted")
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another process made it meanwhile
    except OSError:
        pass  # no such directory, say: SQLite reports it in its own words


def after_connect(database: str) -> None:
    """Remember which file the first connection opened; refuse a connection to another."""
    stat = os.stat(database)
    identity = (stat.st_dev, stat.st_ino)
    with _lock:
        first = _opened.setdefault(database, identity)
    if first != identity:
        raise _refuse(f"the database file {database} was replaced")


def check_unchanged(database: str) -> None:
    """Raise OperationalError unless the path still names the file this process opened."""
    problem = _identity_problem(database)
    if problem:
        raise _refuse(problem)


def _identity_problem(database: str) -> str | None:
    try:
        stat = os.stat(database)
    except FileNotFoundError:
        return "Database file is missing"
    first = _opened.get(database)
    if first is not None and first != (stat.st_dev, stat.st_ino):
        return "Database file was replaced"
    return None


def problem(database: str) -> str | None:
    """What keeps the file from taking writes: gone, replaced, read-only, disk full; or None."""
    found = _identity_problem(database)
    if found:
        return found
    directory = os.path.dirname(os.path.abspath(database))
    if not (os.access(database, os.W_OK) and os.access(directory, os.W_OK)):
        return "Database file is read-only"
    space = os.statvfs(directory)
    if space.f_bavail * space.f_frsize < MIN_FREE_BYTES:
        return "Disk full"
    return None
