"""The statements that store a batch of new rows (scores or predictions), with the tallies
kept beside them, as each database runs them best.

SQLite runs a batch in one transaction (writer_connection.py): one
prepared INSERT, stepped once per row, then the tallies' upserts.

PostgreSQL commits each statement by itself, so a batch is one statement:
the rows travel as one JSON document, which json_populate_recordset reads
back as rows of the table's own type, into an INSERT ... SELECT whose
RETURNING feeds the tallies' upserts, data-modifying CTEs of the same
statement (predictions); scores are stamped with the statement's
transaction instead, and their statistics folded in later (score_folds.py),
which costs a batch far less than an upsert per statistics row. Its text
is the same for any number of rows, so psycopg converts and prepares it
once, and one JSON parameter costs the worker half the CPU of an array per
column (bench/README.md#postgresql-round-trips-and-plans).
When every create of a batch presents the same key for the same entity
(one client's run: the usual case), the key lookup joins the same
statement, which inserts the rows only if the key allows them and marks
the key used: one round trip per batch, and nothing left to fail after the
rows are stored.

A score is stored only if the scorer configs it was checked against are
still its project's (scorer_configs.py): on PostgreSQL the statement's own
condition, which stores none of the batch otherwise; on SQLite the batch
checks in its transaction and refuses only the stale creates.

A batch run again after its connection was lost may have been stored by its
first run, so a rerun skips the rows whose id is already there, and tallies
only what it stored (a stamped row is folded in once, whichever run stored
it). A first run never does: ids are new UUIDv7s, so a conflict there is an
error to report.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import JSON, Table, Text, bindparam, cast, func, literal_column, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import CTE

from app.models import Prediction, Score
from app.storage import key_lookup, run_counts, score_stats, scorer_configs
from app.storage.compiled import DriverStatement
from app.storage.engine import is_postgresql


@dataclass(frozen=True)
class RowKind:
    """A table whose new rows are written in batches, and the tallies kept beside it."""

    table: Table
    # SQLite: add the tallies of rows just stored, in the same transaction.
    tally_on_sqlite: Callable[[Connection, Sequence[dict]], None]
    # PostgreSQL: a data-modifying CTE tallying the rows a `stored` CTE returned, or none
    # where each row is stamped with its transaction instead, to be folded in later.
    tally_for_stored: Callable[[CTE], CTE] | None = None
    # Whether its rows are checked against a generation of their project's scorer configs.
    checks_generations: bool = False
    # The columns the tallies read of each stored row.
    returned: tuple[str, ...] = ("id", "entity", "project", "evaluation_run_id")

    @property
    def columns(self) -> list[str]:
        """The columns a batch's rows give (a stamp's is the statement's)."""
        return [column.name for column in self.table.columns if column.name != _STAMP]

    @property
    def stamped(self) -> bool:
        return self.tally_for_stored is None


# PostgreSQL stamps each score with the transaction that stores it, and its statistics
# are folded in after it (score_folds.py): a batch writes nothing beside its rows.
_STAMP = "txid"
_TRANSACTION: ColumnElement = literal_column("pg_current_xact_id()::text::bigint")

SCORES = RowKind(
    Score.__table__,
    score_stats.add_on_sqlite,
    checks_generations=True,
    returned=("id",),
)
PREDICTIONS = RowKind(
    Prediction.__table__,
    run_counts.add_on_sqlite,
    run_counts.add_for_stored,
)


Generations = Sequence[tuple[str, str, int]]


def insert_rows(
    connection: Connection,
    kind: RowKind,
    rows: Sequence[dict],
    again: bool = False,
    generations: Generations = (),
) -> None:
    """Store the rows (each a dict of every column) and their tallies: all or, on error, none.

    generations: (entity, project, scorer-config generation) the rows were
    checked at; raises ConfigsChanged, storing none, if one is no longer current.
    """
    if is_postgresql(connection):
        params = {"rows": _document(rows), **_params(kind, generations)}
        stored = _document_insert(kind, again).first(connection, params)
        if stored is not None and not stored[-1]:
            raise scorer_configs.ConfigsChanged()
        return
    if kind.checks_generations and scorer_configs.stale_projects(connection, generations):
        raise scorer_configs.ConfigsChanged()
    if again:
        rows = _not_yet_stored(connection, kind, rows)
    _stepped_insert(kind, again).run_many(connection, list(rows))  # in the caller's transaction
    kind.tally_on_sqlite(connection, rows)


def insert_scores(connection: Connection, rows: list[dict], generations: Generations) -> None:
    """Store score rows in the caller's write transaction, their statistics with them (SQLite)
    or folded in later (PostgreSQL).

    generations: (entity, project, generation) the values were checked at;
    raises ConfigsChanged, storing none, when one is no longer current.
    """
    insert_rows(connection, SCORES, rows, generations=generations)


def insert_predictions(connection: Connection, rows: list[dict]) -> None:
    """Store prediction rows, with their runs' counts, in the caller's write transaction."""
    insert_rows(connection, PREDICTIONS, rows)


def _params(kind: RowKind, generations: Generations) -> dict:
    params = {}
    if kind.checks_generations:
        given = [
            {"entity": entity, "project": project, "generation": generation}
            for entity, project, generation in set(generations)
        ]
        params["generations"] = _ENCODER.encode(given)
    return params


def insert_if_allowed(
    connection: Connection,
    kind: RowKind,
    rows: Sequence[dict],
    digest: str,
    entity: str,
    now,
    again: bool = False,
    generations: Generations = (),
) -> Sequence | None:
    """Look the key up and store the rows if it may write to the entity, in one statement.

    PostgreSQL only. The rows' created_by is the key's owner, and the key is
    marked used as key_lookup.mark_used would. Returns the lookup's row
    (key_lookup.KEY_LOOKUP) for key_lookup.found_key; None for an unknown key.
    Raises ConfigsChanged, storing none, as insert_rows does.
    """
    params = key_lookup.lookup_params(digest, entity, now)
    params.update(rows=_document(rows), used_at=now, **_params(kind, generations))
    found = _checked_insert(kind, again).first(connection, params)
    if found is None or not kind.checks_generations:
        return found
    if not found[-1]:
        raise scorer_configs.ConfigsChanged()
    return found[:-1]


def _not_yet_stored(connection: Connection, kind: RowKind, rows: Sequence[dict]) -> list[dict]:
    table = kind.table
    stored = set()
    for row in rows:
        found = connection.execute(
            select(table.c.id).where(
                table.c.entity == row["entity"],
                table.c.project == row["project"],
                table.c.id == row["id"],
            )
        ).first()
        if found is not None:
            stored.add(row["id"])
    return [row for row in rows if row["id"] not in stored]


def _isoformat(value: datetime) -> str:
    return value.isoformat()  # the only values of a row that JSON has no type for


# Strings as they are (validation has refused NUL and lone surrogates).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_isoformat)


def _document(rows: Sequence[dict]) -> str:
    return _ENCODER.encode(rows)


def _from_document(kind: RowKind):
    """The rows of the `rows` parameter, as the table's row type: each value goes
    through its column type's input, so one too long is refused, not cut short."""
    rows = cast(bindparam("rows", type_=Text), JSON)
    record: ColumnElement = literal_column(f"NULL::{kind.table.name}")
    return func.json_populate_recordset(record, rows).table_valued(*kind.columns, name="batch")


def _stored(kind: RowKind, insert) -> CTE:
    """The insert as a CTE returning what the tallies need of each row it stored."""
    table = kind.table
    return insert.returning(*(table.c[name] for name in kind.returned)).cte("stored")


def _current(kind: RowKind) -> ColumnElement[bool]:
    """The condition every row's insert carries: its project's configs are still current.

    Worked out once, in a CTE the insert and the answer both read, which also keeps the
    statement short enough for psycopg to convert its text once (tests/test_driver.py)."""
    if not kind.checks_generations:
        return true()
    current = select(scorer_configs.generations_current().label("ok")).cte("current")
    return select(current.c.ok).scalar_subquery()


def _tallied(kind: RowKind, stored: CTE) -> list[CTE]:
    # A data-modifying CTE runs to completion whether or not the query reads it.
    return [] if kind.tally_for_stored is None else [kind.tally_for_stored(stored)]


def _stamped(kind: RowKind, columns: list[str], values: list) -> tuple[list[str], list]:
    """The insert's columns and values, with the transaction's stamp where kind takes one."""
    if not kind.stamped:
        return columns, values
    return [*columns, _STAMP], [*values, _TRANSACTION]


@cache
def _document_insert(kind: RowKind, again: bool) -> DriverStatement:
    batch = _from_document(kind)
    current = _current(kind)
    columns, values = _stamped(kind, kind.columns, list(batch.c))
    insert = postgresql.insert(kind.table).from_select(columns, select(*values).where(current))
    stored = _stored(kind, insert.on_conflict_do_nothing() if again else insert)
    counted = select(func.count()).select_from(stored).scalar_subquery()
    statement = select(counted, current).add_cte(stored, *_tallied(kind, stored))
    return DriverStatement(statement, writes=True)


@cache
def _stepped_insert(kind: RowKind, again: bool) -> DriverStatement:
    statement = sqlite.insert(kind.table).values({name: bindparam(name) for name in kind.columns})
    return DriverStatement(statement.on_conflict_do_nothing() if again else statement)


@cache
def _checked_insert(kind: RowKind, again: bool) -> DriverStatement:
    found = key_lookup.KEY_LOOKUP.cte("presented_key")
    batch = _from_document(kind)
    current = _current(kind)
    checked = [name for name in kind.columns if name != "created_by"]
    columns, values = _stamped(
        kind,
        [*checked, "created_by"],
        [*(batch.c[name] for name in checked), found.c.username],
    )
    allowed = select(*values).join(found, key_lookup.allows_entity(found)).where(current)
    insert = postgresql.insert(kind.table).from_select(columns, allowed)
    stored = _stored(kind, insert.on_conflict_do_nothing() if again else insert)
    marked = key_lookup.marking_used(found)
    answer = [found, current] if kind.checks_generations else [found]
    statement = select(*answer).add_cte(stored, *_tallied(kind, stored), marked.cte("marked"))
    return DriverStatement(statement, writes=True)
