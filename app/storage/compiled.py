"""Statements run on the database driver's own cursor, for the API's hottest paths.

A Core execute spends tens of microseconds in SQLAlchemy (cache keys,
events, result set-up) around a few microseconds of driver work. The key
lookup and the score insert run on every create, so they are compiled once
per dialect here and run on the driver cursor of the request's Core
connection, with the bind processing their column types define. Failures
still surface as SQLAlchemy's exceptions, and a lost connection is
invalidated exactly as Core would do it, so error handling is unchanged.
One addition: a read in autocommit (PostgreSQL's API reads and key checks)
that finds its pooled connection dropped by the server runs once more on a
new one. A write never does here, even one that returns rows: lost in
autocommit, it may have committed, and only its caller knows how to run it
again safely (writer_connection.py).
"""

import re
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Integer, literal_column
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement, ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler

# How inline_number() marks its place in a statement's text.
_INLINE_MARK = "__inline_number_{}__"


def inline_number(name: str) -> ColumnElement[int]:
    """A parameter written into the statement's text as an integer at each execution.

    For the values a server must see to plan well: PostgreSQL cannot cost a
    LIMIT or OFFSET that is a parameter. Each distinct value is then a
    statement text of its own, which psycopg prepares, and the server plans
    for good, once it has run five times; compiling stays once per statement.
    """
    return literal_column(_INLINE_MARK.format(name), Integer)


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...] | None  # the order of positional parameters, if the driver wants them
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    # Values the statement carries itself (a literal LIMIT 1, SQLite's OFFSET 0).
    constants: dict[str, Any]
    inline: tuple[str, ...] = ()  # the names of its inline_number()s

    def text(self, params: dict) -> str:
        """The SQL to send, each inline number written in."""
        sql = self.sql
        for name in self.inline:
            sql = sql.replace(_INLINE_MARK.format(name), str(int(params[name])))
        return sql

    def arguments(self, params: dict) -> Sequence | dict:
        if self.constants or self.processors:
            params = {**self.constants, **params}
            for name, process in self.processors:
                params[name] = process(params[name])
        if self.names is None:
            return params
        return [params[name] for name in self.names]


class DriverStatement:
    """A Core statement compiled once per dialect and executed on the DBAPI cursor."""

    def __init__(self, statement: ClauseElement, writes: bool = False):
        """writes: the statement changes data even though it returns rows."""
        self._statement = statement
        self._writes = writes
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = cast(SQLCompiler, self._statement.compile(dialect=dialect))
            processors = []
            for name, bind in compiled.binds.items():
                # The dialect's implementation of the type, as Core uses: a
                # TypeDecorator's own bind_processor chains only its generic
                # impl's, and on SQLite a datetime then reached the driver.
                process = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    processors.append((name, process))
            names = tuple(compiled.positiontup) if compiled.positiontup else None
            constants = {
                name: bind.effective_value
                for bind, name in compiled.bind_names.items()
                if not bind.required
            }
            sql = str(compiled)
            inline = tuple(dict.fromkeys(re.findall(_INLINE_MARK.format(r"(\w+?)"), sql)))
            plan = _Plan(sql, names, tuple(processors), constants, inline)
            self._plans[dialect.name] = plan
        return plan

    def first(self, connection: Connection, params: dict) -> tuple | None:
        """The first row, as the driver returns it (no result processing)."""
        return self._execute(connection, params, fetch="one")

    def all(self, connection: Connection, params: dict) -> list[tuple]:
        """Every row, as the driver returns them (no result processing)."""
        return self._execute(connection, params, fetch="all")

    def run(self, connection: Connection, params: dict) -> None:
        """Execute a statement that returns no rows."""
        self._execute(connection, params, fetch=None)

    def run_many(self, connection: Connection, rows: list[dict]) -> None:
        """Execute the statement once per parameter set (executemany)."""
        self._execute(connection, rows, fetch=None)

    def run_many_ordered(
        self, connection: Connection, rows: Sequence[Sequence], names: Sequence[str]
    ) -> None:
        """executemany with each row's values already in `names`' order: for a hot
        statement whose parameters are exactly those, with no dict per row."""
        plan = self._plan(connection.dialect)
        assert plan.names == tuple(names), (plan.names, names)
        assert not (plan.constants or plan.inline), "parameters the rows do not carry"
        if plan.processors:
            where = [(plan.names.index(name), process) for name, process in plan.processors]
            converted = []
            for row in rows:
                values = list(row)
                for index, process in where:
                    values[index] = process(values[index])
                converted.append(values)
            rows = converted
        pooled, cursor = self._cursor(connection)
        try:
            with self._translated(connection, pooled, cursor, plan.sql, rows):
                cursor.executemany(plan.sql, rows)
        finally:
            cursor.close()

    def batches(
        self, connection: Connection, params: dict, size: int
    ) -> Generator[list[tuple], None, None]:
        """Every row, in lists of up to `size`, as the driver returns them.

        The statement runs at the first next(); a batch shorter than `size`
        is the last. On PostgreSQL the rows come
        from a server-side cursor, so memory stays flat however many there
        are (the connection must not be in autocommit); SQLite steps its
        statement as rows are fetched, on one snapshot.
        """
        plan = self._plan(connection.dialect)
        sql, arguments = plan.text(params), plan.arguments(params)
        pooled, cursor = self._cursor(connection, server_side=True)
        try:
            with self._translated(connection, pooled, cursor, sql, arguments):
                cursor.execute(sql, arguments)
            while True:
                with self._translated(connection, pooled, cursor, sql, arguments):
                    rows = cursor.fetchmany(size)
                if rows:
                    yield rows
                if len(rows) < size:
                    # The last batch: asking for more would be one more round
                    # trip, and one that fails if the server has gone since.
                    return
        finally:
            try:
                cursor.close()
            except connection.dialect.loaded_dbapi.Error:
                # The connection is gone, and the server's cursor with it: the
                # rows read stand. The driver knows the connection is lost now,
                # so closing again only frees the cursor here; returning the
                # connection to the pool discards it.
                cursor.close()

    def _execute(self, connection: Connection, params: dict | list[dict], fetch: str | None):
        try:
            return self._execute_once(connection, params, fetch)
        except DBAPIError as exc:
            isolation = connection.get_execution_options().get("isolation_level")
            writes = fetch is None or self._writes
            if writes or not (exc.connection_invalidated and isolation == "AUTOCOMMIT"):
                raise
        # The server dropped the connection while it sat in the pool (a
        # restart). Outside a transaction nothing was lost with it: run the
        # statement again, once, on a new one. Still down: the error stands.
        if connection.in_transaction():
            connection.rollback()  # SQLAlchemy's own bookkeeping; the server holds nothing
        # Reconnects. SQLAlchemy does not carry the isolation level over to the
        # new driver connection by itself: set it again.
        connection.execution_options(isolation_level=isolation)
        return self._execute_once(connection, params, fetch)

    def _execute_once(self, connection: Connection, params: dict | list[dict], fetch: str | None):
        plan = self._plan(connection.dialect)
        many = isinstance(params, list)
        arguments: Sequence | dict
        if isinstance(params, list):
            assert not plan.inline, "executemany sends one text for every row"
            sql, arguments = plan.sql, [plan.arguments(row) for row in params]
        else:
            sql, arguments = plan.text(params), plan.arguments(params)
        pooled, cursor = self._cursor(connection)
        try:
            with self._translated(connection, pooled, cursor, sql, arguments):
                if many:
                    cursor.executemany(sql, arguments)
                    return None
                cursor.execute(sql, arguments)
                if fetch == "one":
                    return cursor.fetchone()
                return cursor.fetchall() if fetch == "all" else None
        finally:
            cursor.close()

    @staticmethod
    def _cursor(connection: Connection, server_side: bool = False):
        pooled = connection.connection
        driver = pooled.driver_connection
        assert driver is not None, "a checked-out connection has a driver connection"
        if server_side and connection.dialect.name == "postgresql":
            return pooled, driver.cursor(name="scores_driver_stream")
        return pooled, driver.cursor()

    @staticmethod
    @contextmanager
    def _translated(connection: Connection, pooled, cursor, sql: str, arguments) -> Iterator[None]:
        # Driver errors surface as SQLAlchemy's, a lost connection invalidated as Core does.
        dialect = connection.dialect
        try:
            yield
        except dialect.loaded_dbapi.Error as exc:
            disconnected = dialect.is_disconnect(exc, pooled, cursor)
            if disconnected:
                # As Core does on a disconnect: the rest of the pool went with
                # the server (a restart), so every connection opened before
                # now is replaced at its next checkout, not failed once each.
                connection.engine.pool._invalidate(pooled, exc, _checkin=False)
                connection.invalidate(exc)
            raise DBAPIError.instance(
                sql,
                arguments,
                exc,
                dialect.loaded_dbapi.Error,
                connection_invalidated=disconnected,
                dialect=dialect,
            ) from exc
