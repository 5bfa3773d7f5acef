"""Database engine set-up: SQLite pragmas and write transactions that never deadlock."""

from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000


def configure_engine(engine: Engine, synchronous: str) -> None:
    """Install per-connection settings; on SQLite, take control of BEGIN."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A deferred transaction that reads first and then writes gets
        # SQLITE_BUSY at once if another writer got in between (the busy
        # timeout does not apply to that upgrade). Writes therefore begin
        # IMMEDIATE, taking the write lock up front, and simply queue.
        if connection.get_execution_options().get("sqlite_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


@contextmanager
def write_transaction():
    """Run the block as one write transaction, committed at the end or rolled back."""
    session = db.session()
    if session.in_transaction():
        # End a read (say, the auth lookup) so the write starts fresh.
        session.commit()
    session.connection(execution_options={"sqlite_write": True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
