"""The connection a group commit writes its batches on, kept open between them.

Checking a connection out of the pool for each batch, switching it into a
write transaction and back, and returning it cost more than the batch's own
statements on SQLite, and on PostgreSQL took three isolation-level switches
(autocommit reads, then the write, then back). A group has one leader at a
time (group_commit.py), so one connection, left in write mode, serves
all its batches.

On SQLite a batch runs in one transaction, begun IMMEDIATE under the
writer lock. On PostgreSQL the connection stays in autocommit and the batch
writes in a single statement, which commits by itself: the BEGIN and COMMIT
round trips of a transaction cost the server and the worker more than the
batch's insert.

After a failure the connection is closed and the next batch opens a new
one. A kept connection may have been dropped while idle (PostgreSQL
restarted): a batch that finds it gone runs once more on a new connection,
told so, since it cannot know whether its write was stored before the
connection went (row_inserts.py skips what was). When any
connection of the engine's pool is invalidated, this one is replaced before
its next batch too, as the pool replaces the others.
"""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from app.storage.engine import is_sqlite
from app.storage.transactions import writer_lock

Result = TypeVar("Result")


class WriterConnection:
    """One Core connection for one engine's batches, one batch at a time."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._connection: Connection | None = None
        self._renew = False
        event.listen(engine, "invalidate", self._on_invalidate)
        event.listen(engine, "engine_disposed", self._on_engine_disposed)

    @property
    def engine(self) -> Engine:
        return self._engine

    def run(self, batch: Callable[[Connection, bool], Result]) -> Result:
        """batch(connection, again) as one unit of work; return what it returns.

        The batch must store all of its rows or none: on PostgreSQL each
        statement commits by itself, so the rows go in one statement, and
        anything else it writes must be harmless to repeat. If the
        connection turns out to be lost, the batch runs once more on a new
        one with again=True. Its first run may have been stored before the
        connection went, so a rerun must skip rows already there.
        """
        again = False
        while True:
            with writer_lock(self._engine):
                if self._renew:
                    self.close()
                connection = self._connection or self._open()
                try:
                    # Begin now rather than at the first Core execute: statements run
                    # on the driver cursor (compiled.py) must land in the transaction.
                    # In PostgreSQL's autocommit, begin and commit send nothing.
                    connection.begin()
                    result = batch(connection, again)
                    connection.commit()
                    return result
                except DBAPIError as exc:
                    self.close()  # rolls back; the next batch starts on a new connection
                    if not again and exc.connection_invalidated:
                        again = True
                        continue
                    raise
                except BaseException:
                    self.close()
                    raise

    def close(self) -> None:
        """Return the connection to the pool."""
        connection, self._connection = self._connection, None
        self._renew = False
        if connection is not None:
            connection.close()

    def _on_engine_disposed(self, _engine: Engine) -> None:
        # The pool the connection came from is already disposed and would
        # keep it open: close the driver's connection itself.
        if self._connection is not None:
            self._connection.invalidate()
        self.close()

    def _open(self) -> Connection:
        connection = self._engine.connect()
        if is_sqlite(connection):
            connection.execution_options(sqlite_write=True)  # every begin is BEGIN IMMEDIATE
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT")
        self._connection = connection
        return connection

    def _on_invalidate(self, _dbapi_connection, _record, exception) -> None:
        # Called in whichever thread met the lost connection; the leader
        # reads the flag before its next batch.
        if exception is not None:
            self._renew = True
