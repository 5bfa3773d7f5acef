"""The engine: pool settings per database, and the settings every new connection gets.

SQLite runs in WAL mode with our own control of BEGIN (writes begin
IMMEDIATE, see transactions.py) and with its WAL synced outside the writer
lock (wal_sync.py). PostgreSQL gets a pool sized to the request threads and
bounded waits for a host that stops answering.
"""

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url

from app.storage import sqlite_file, wal_sync
from app.storage.compiled import DriverStatement
from app.storage.writer_lock import WriterLock

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Run on the driver cursor: every write begins with one (see compiled.py).
BEGIN_IMMEDIATE = DriverStatement(text("BEGIN IMMEDIATE"))
_BEGIN = DriverStatement(text("BEGIN"))

_writer_locks: dict[str, WriterLock] = {}


def is_sqlite(bind) -> bool:
    """Whether an engine or connection talks to SQLite."""
    return bind.dialect.name == "sqlite"


def is_postgresql(bind) -> bool:
    """Whether an engine or connection talks to PostgreSQL."""
    return bind.dialect.name == "postgresql"


def engine_options(url: str, threads: int) -> dict:
    """Pool settings; on PostgreSQL, bounded waits for a host that stops answering.

    threads: the request threads of a worker process (app/config.py).
    """
    options: dict = {}
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        # A request may hold a session connection and a Core one while it
        # waits for the writer lock: an unbounded pool can never deadlock on
        # that, and SQLite connections are only file handles.
        options.update(pool_size=10, max_overflow=-1)
    if backend == "postgresql":
        # No pre-ping (a round trip per request): a connection that died
        # fails its request with a 503 and the pool is refreshed.
        options["pool_recycle"] = 1800
        # Every request thread may hold a connection, and a streamed list a
        # second one: a smaller pool makes threads queue for connections, a
        # smaller kept size makes them open and close connections under load.
        options.update(pool_size=threads, max_overflow=threads)
        # Without these a silent database host holds a request until the
        # worker is killed, and the client gets the server's HTML 500.
        options["connect_args"] = {
            "connect_timeout": 5,
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": 10_000,
        }
        if "options" not in make_url(url).query:
            # JIT compiling a large streamed list delayed its first row, and no
            # query here is analytic enough to win that back. A URL's own
            # options win.
            options["connect_args"]["options"] = "-c jit=off"
    return options


def writer_lock_for(bind) -> WriterLock | None:
    """The lock that queues the writers of this SQLite file; None for other databases."""
    if not is_sqlite(bind):
        return None
    return _writer_locks.get(bind.engine.url.database or "")


def configure_engine(engine: Engine, synchronous: str) -> None:
    """Install per-connection settings; on SQLite, take control of BEGIN."""
    if not is_sqlite(engine):
        return
    database = sqlite_file.file_of(engine.url.database)
    if database is not None:
        if database not in _writer_locks:
            _writer_locks[database] = WriterLock(database)

        @event.listens_for(engine, "do_connect")
        def _private_file(_dialect, _record, _cargs, _cparams):
            sqlite_file.before_connect(database)

    # FULL is kept by syncing the WAL after each commit ourselves, outside
    # the writer lock (wal_sync.py); SQLite itself runs NORMAL.
    wal_synced = synchronous == "FULL"
    pragma_level = "NORMAL" if wal_synced else synchronous

    if wal_synced:

        @event.listens_for(engine, "do_connect")
        def _durable_factory(_dialect, _record, _cargs, cparams):
            cparams["factory"] = wal_sync.DurableConnection

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if database is not None:
            sqlite_file.after_connect(database)
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
            BEGIN_IMMEDIATE.run(connection, {})
        elif not options.get("sqlite_plain_reads"):
            _BEGIN.run(connection, {})
