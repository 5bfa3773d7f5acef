"""Transactions and connections: write transactions that never deadlock, and the
Core connection the API's hot paths read on."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g
from sqlalchemy.engine import Connection

from app.extensions import db
from app.storage import sqlite_file, wal_sync
from app.storage.engine import is_sqlite, writer_lock_for


@contextmanager
def writer_lock(bind) -> Iterator[None]:
    """Queue behind the other writers of a SQLite file; a no-op elsewhere.

    The WAL sync of what the block commits waits until the queue is left,
    so the next writer does not wait out this one's fdatasync.
    """
    lock = writer_lock_for(bind)
    if lock is None:
        yield
        return
    with wal_sync.deferred(), lock:
        yield
        # Committed: acknowledge it only if it went into the file that is
        # still there (sqlite_file.py), not one deleted under us.
        sqlite_file.check_unchanged(lock.database)


@contextmanager
def write_transaction():
    """Run the block as one write transaction on the ORM session, committed at the end."""
    session = db.session()
    bind = session.get_bind()
    sqlite = is_sqlite(bind)
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


@contextmanager
def engine_write(engine) -> Iterator[Connection]:
    """A write transaction on a connection of its own, outside any request's."""
    with writer_lock(engine), engine.connect() as connection:
        if is_sqlite(connection):
            connection.execution_options(sqlite_write=True)
        with connection.begin():
            yield connection


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
        if is_sqlite(connection):
            connection.execution_options(sqlite_plain_reads=True)
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT")
        g.core_connection = connection
    return connection


@contextmanager
def core_write() -> Iterator[Connection]:
    """A write transaction on the request connection, committed at the end or rolled back."""
    connection = request_connection()
    sqlite = is_sqlite(connection)
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
            # on the driver cursor (compiled.py) must land in the transaction.
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
