"""The statements that store a batch of new scores, as each database runs them best.

SQLite runs a batch in one transaction (writer_connection.py): one
prepared INSERT, stepped once per row.

PostgreSQL commits each statement by itself, so a batch is one statement:
the rows travel as one JSON document, which json_populate_recordset reads
back as rows of the table's own type, into an INSERT ... SELECT. Its text
is the same for any number of rows, so psycopg converts and prepares it
once; a multi-row VALUES list was a new statement for each row count, with
too many parameters for psycopg's cache, and was parsed again per batch.
One JSON parameter also costs the worker half the CPU of one array per
column, which psycopg dumps element by element in Python (190 against 380
us for 8 rows; the server spent 270 against 315 us). When every create of
a batch presents the same key for the same entity (one client's run: the
usual case), the key lookup joins the same statement, which inserts the
rows only if the key allows them and marks the key used: one round trip
per batch, and nothing left to fail after the rows are stored.

A batch run again after its connection was lost may have been stored by its
first run, so a rerun skips the rows whose id is already there. A first run
never does: ids are new UUIDv7s, so a conflict there is an error to report.
"""

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import JSON, Text, bindparam, cast, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from app.models import Score
from app.storage import key_lookup
from app.storage.compiled import DriverStatement
from app.storage.engine import is_postgresql

_SCORES = Score.__table__
_COLUMNS = [column.name for column in _SCORES.columns]
# Filled in from the key's owner when the key check joins the insert.
_CHECKED_COLUMNS = [name for name in _COLUMNS if name != "created_by"]


def insert_rows(connection: Connection, rows: list[dict], again: bool = False) -> None:
    """Store the rows (each a dict of every column): all of them or, on error, none."""
    if is_postgresql(connection):
        _DOCUMENT[again].run(connection, {"rows": _document(rows)})
    else:
        _STEPPED[again].run_many(connection, rows)  # in the caller's transaction


def insert_if_allowed(
    connection: Connection, rows: list[dict], digest: str, entity: str, now, again: bool = False
) -> Sequence | None:
    """Look the key up and store the rows if it may write to the entity, in one statement.

    PostgreSQL only. The rows' created_by is the key's owner, and the key is
    marked used as key_lookup.mark_used would. Returns the lookup's row
    (key_lookup.KEY_LOOKUP) for key_lookup.found_key; None for an unknown key.
    """
    params = key_lookup.lookup_params(digest, entity, now)
    params.update(rows=_document(rows), used_at=now)
    return _CHECKED[again].first(connection, params)


def _isoformat(value: datetime) -> str:
    return value.isoformat()  # the only values of a row that JSON has no type for


# Strings as they are (validation has refused NUL and lone surrogates).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_isoformat)


def _document(rows: list[dict]) -> str:
    return _ENCODER.encode(rows)


def _from_document():
    """The rows of the `rows` parameter, as the table's row type: each value goes
    through its column type's input, so one too long is refused, not cut short."""
    rows = cast(bindparam("rows", type_=Text), JSON)
    record = literal_column(f"NULL::{_SCORES.name}")
    return func.json_populate_recordset(record, rows).table_valued(*_COLUMNS, name="batch")


def _document_insert(again: bool) -> DriverStatement:
    batch = _from_document()
    statement = postgresql.insert(_SCORES).from_select(_COLUMNS, select(*batch.c))
    return DriverStatement(statement.on_conflict_do_nothing() if again else statement)


def _stepped_insert(again: bool) -> DriverStatement:
    statement = sqlite.insert(_SCORES)
    return DriverStatement(statement.on_conflict_do_nothing() if again else statement)


def _checked_insert(again: bool) -> DriverStatement:
    found = key_lookup.KEY_LOOKUP.cte("presented_key")
    batch = _from_document()
    columns = [batch.c[name] for name in _CHECKED_COLUMNS]
    allowed = select(*columns, found.c.username).join(found, key_lookup.allows_entity(found))
    stored = postgresql.insert(_SCORES).from_select([*_CHECKED_COLUMNS, "created_by"], allowed)
    if again:
        stored = stored.on_conflict_do_nothing()
    marked = key_lookup.marking_used(found)
    # A data-modifying CTE runs to completion whether or not the query reads it.
    statement = select(found).add_cte(stored.cte("stored"), marked.cte("marked"))
    return DriverStatement(statement, writes=True)


# Indexed by `again`: the first run's statement, then a rerun's.
_DOCUMENT = (_document_insert(False), _document_insert(True))
_STEPPED = (_stepped_insert(False), _stepped_insert(True))
_CHECKED = (_checked_insert(False), _checked_insert(True))
