"""Database engine set-up: SQLite pragmas and write transactions that never deadlock."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

from app import wal_sync
from app.driver import DriverStatement
from app.extensions import db
from app.writer_lock import WriterLock

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Run on the driver cursor: every write begins with one (see app/driver.py).
_BEGIN_IMMEDIATE = DriverStatement(text("BEGIN IMMEDIATE"))
_BEGIN = DriverStatement(text("BEGIN"))


_writer_locks: dict[str, WriterLock] = {}


def configure_engine(engine: Engine, synchronous: str) -> None:
    """Install per-connection settings; on SQLite, take control of BEGIN."""
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    if database and database != ":memory:" and database not in _writer_locks:
        _writer_locks[database] = WriterLock(f"{database}.writelock")

    # FULL is kept by syncing the WAL after each commit ourselves, outside
    # the writer lock (app/wal_sync.py); SQLite itself runs NORMAL.
    wal_synced = synchronous == "FULL"
    pragma_level = "NORMAL" if wal_synced else synchronous

    if wal_synced:

        @event.listens_for(engine, "do_connect")
        def _durable_factory(_dialect, _record, _cargs, cparams):
            cparams["factory"] = wal_sync.DurableConnection

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={pragma_level}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A deferred transaction that reads first and then writes gets
        # SQLITE_BUSY at once if another writer got in between (the busy
        # timeout does not apply to that upgrade). Writes therefore begin
        # IMMEDIATE, taking the write lock up front, and simply queue.
        options = connection.get_execution_options()
        if options.get("sqlite_write"):
            _BEGIN_IMMEDIATE.run(connection, {})
        elif not options.get("sqlite_plain_reads"):
            _BEGIN.run(connection, {})


@contextmanager
def writer_lock(bind: Engine) -> Iterator[None]:
    """Queue behind the other writers of a SQLite file; a no-op elsewhere.

    The WAL sync of what the block commits waits until the queue is left,
    so the next writer does not wait out this one's fdatasync.
    """
    lock = _writer_locks.get(bind.url.database or "") if bind.dialect.name == "sqlite" else None
    if lock is None:
        yield
        return
    with wal_sync.deferred(), lock:
        yield


@contextmanager
def write_transaction():
    """Run the block as one write transaction, committed at the end or rolled back."""
    session = db.session()
    bind = session.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    with writer_lock(bind):
        if sqlite:
            # End any read (say, the auth lookup) so the write can start with
            # BEGIN IMMEDIATE. PostgreSQL simply carries on in one transaction.
            if session.in_transaction():
                session.commit()
            session.connection(execution_options={"sqlite_write": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def request_connection() -> Connection:
    """A Core connection for this app context: the API's hot paths skip the ORM session.

    Its reads run outside any transaction (a single SELECT is consistent on
    its own): SQLite gets no BEGIN, PostgreSQL runs in autocommit, which saves
    the BEGIN and ROLLBACK round trips around every read. Writes open a real
    transaction with core_write().
    """
    connection = g.get("core_connection")
    if connection is None or connection.closed:
        connection = db.engine.connect()
        if connection.dialect.name == "sqlite":
            connection.execution_options(sqlite_plain_reads=True)
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT")
        g.core_connection = connection
    return connection


@contextmanager
def core_write() -> Iterator[Connection]:
    """A write transaction on the request connection, committed at the end or rolled back."""
    connection = request_connection()
    sqlite = connection.dialect.name == "sqlite"
    with writer_lock(connection.engine):
        # Only reads came before, outside a transaction: close SQLAlchemy's
        # view of them, then begin for real (BEGIN IMMEDIATE on SQLite).
        if connection.in_transaction():
            connection.commit()
        if sqlite:
            connection.execution_options(sqlite_write=True)
        else:
            connection.execution_options(isolation_level=connection.default_isolation_level)
        try:
            # Begin now rather than at the first Core execute: statements run
            # on the driver cursor (app/driver.py) must land in the transaction.
            connection.begin()
            yield connection
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            if sqlite:
                connection.execution_options(sqlite_write=False)
            else:
                connection.execution_options(isolation_level="AUTOCOMMIT")


def close_request_connection(_exc: BaseException | None = None) -> None:
    """Return the app context's Core connection to the pool."""
    connection = g.pop("core_connection", None)
    if connection is not None:
        connection.close()


def register_request_connection(app: Flask) -> None:
    """Close the Core connection when each app context ends."""
    app.teardown_appcontext(close_request_connection)
