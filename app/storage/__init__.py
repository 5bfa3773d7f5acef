"""Storage: the only package that knows databases apart, and how rows reach the disk
fast and safely (connections, the SQLite writer lock, WAL syncing, group
commit, compiled statements, list anchors, remembered rows, backups).

Services call what this module exports; its other modules are its own
(`make lint` checks both).
"""

from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.storage import key_lookup, sqlite_file
from app.storage.backup import BackupError, backup_to, restore_from
from app.storage.engine import configure_engine, engine_options, is_sqlite, writer_lock_for
from app.storage.key_lookup import KeyCheck, KeyRefused, mark_used_now
from app.storage.list_anchors import record_settled_change
from app.storage.row_locks import forget_sign_in_attempts, locked_sign_in_attempts
from app.storage.score_batches import PendingCreate
from app.storage.score_batches import store as _store
from app.storage.score_inserts import insert_rows as insert_scores
from app.storage.score_lines import api_line, format_timestamp
from app.storage.score_rows import (
    API_COLUMNS,
    FetchedRows,
    RowStream,
    could_be_stored,
    delete_score_rows,
    list_api_rows,
    read_api_row,
    scorer_digest,
)
from app.storage.summary_rows import SummaryRow, newest_rows
from app.storage.transactions import (
    core_write,
    register_request_connection,
    request_connection,
    write_transaction,
)

__all__ = [
    "API_COLUMNS",
    "BackupError",
    "FetchedRows",
    "KeyCheck",
    "KeyRefused",
    "look_up_key",
    "mark_used_now",
    "RowStream",
    "SummaryRow",
    "api_line",
    "backup_to",
    "configure",
    "core_write",
    "could_be_stored",
    "database_problem",
    "delete_score_rows",
    "engine_options",
    "forget_sign_in_attempts",
    "format_timestamp",
    "insert_scores",
    "list_api_rows",
    "locked_sign_in_attempts",
    "newest_rows",
    "read_api_row",
    "record_settled_change",
    "request_connection",
    "restore_from",
    "scorer_digest",
    "store_score",
    "write_transaction",
]


def configure(app: Flask) -> None:
    """Set up the bound engine's connections and the per-request Core connection."""
    register_request_connection(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_SYNCHRONOUS"])


def look_up_key(digest: str, entity: str | None, now) -> KeyCheck | None:
    """The active key with this digest and its owner's grant for the entity, or None."""
    return key_lookup.check_key(request_connection(), digest, entity, now)


def store_score(row: dict, key_digest: str | None = None) -> None:
    """Store a new score's row, durably, in a batch with whatever else this worker stores.

    key_digest: check this key for the row's entity first and make its owner
    the author; raises KeyRefused when it may not write there.
    """
    _store(db.engine, PendingCreate(row, key_digest))


def database_problem() -> str | None:
    """Why the database cannot serve reads and writes now, in a few words; None if it can.

    SQLite: the file is still the one opened, writable, on a disk with room,
    and writers can queue. Both: the database answers and has its tables.
    A few stat calls and one catalog query: cheap enough for a load
    balancer's probe every second.
    """
    engine = db.engine
    database = sqlite_file.file_of(engine.url.database) if is_sqlite(engine) else None
    if database is not None:
        lock = writer_lock_for(engine)
        problem = sqlite_file.problem(database) or (lock and lock.problem())
        if problem:
            return problem
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if not inspect(connection).has_table("scores"):
                return "Database has no tables (run flask db upgrade)"
    except DBAPIError as exc:
        return f"Database unavailable ({type(exc.orig or exc).__name__})"
    return None
