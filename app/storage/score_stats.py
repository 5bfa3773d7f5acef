"""Statistics kept with the scores: written in the transaction that stores them.

Each (project, run, scorer, leaf of the value) has a row of counts, a sum,
a minimum and a maximum (app/models/score_stat.py, leaves as
app/score_values.py walks them). Every insert of scores on SQLite adds its
rows' contributions in the batch's transaction; on PostgreSQL they are
folded in after the scores' transactions (score_folds.py).
Every write bumps the root row's version, and takes its row locks in key
order. What a deletion does to them: stale_stats.py.
"""

import json
import math
import sys
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import (
    Double,
    Numeric,
    Text,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import Select

from app.models import ScoreStat
from app.storage.compiled import DriverStatement
from app.storage.tallies import COUNTERS, KEY_COLUMNS, TALLIED, Tallies, tally_rows

STATS = ScoreStat.__table__
_NAMES = tuple(column.name for column in STATS.columns)


# --- Adding a batch's contributions -------------------------------------------------------


def _lower(connection_kind: str, stored: ColumnElement, new: ColumnElement) -> ColumnElement:
    # The smaller of two values where either may be null (no number yet).
    if connection_kind == "postgresql":
        return func.least(stored, new)
    return func.min(func.coalesce(stored, new), func.coalesce(new, stored))


def _higher(connection_kind: str, stored: ColumnElement, new: ColumnElement) -> ColumnElement:
    if connection_kind == "postgresql":
        return func.greatest(stored, new)
    return func.max(func.coalesce(stored, new), func.coalesce(new, stored))


# The largest finite double, exactly, for PostgreSQL's numeric arithmetic.
_LARGEST = literal(Decimal(sys.float_info.max), Numeric)


def _as_double(total: ColumnElement) -> ColumnElement:
    """A numeric sum as a double, past the largest one an infinity (PostgreSQL).

    Python and SQLite add doubles as IEEE 754 does: a sum too large is an
    infinity. PostgreSQL refuses it ("value out of range: overflow"), and
    the whole batch with it, so its sums run in numeric and end here.
    """
    return case(
        (total == literal("NaN", Numeric), literal(float("nan"), Double)),
        (total > _LARGEST, literal(float("inf"), Double)),
        (total < -_LARGEST, literal(float("-inf"), Double)),
        else_=cast(total, Double),
    )


# Two doubles each below this add without overflow.
_SAFE = literal_column("1e300", Double)


def _added(stored: ColumnElement, new: ColumnElement) -> ColumnElement:
    """stored + new as IEEE 754 adds them (PostgreSQL): in doubles when neither is near the
    largest double (nearly always, and far cheaper), else through _as_double's numerics.
    An infinity or NaN compares above _SAFE, so it takes the exact branch."""
    exact = _as_double(cast(stored, Numeric) + cast(new, Numeric))
    return case(((func.abs(stored) < _SAFE) & (func.abs(new) < _SAFE), stored + new), else_=exact)


def _merged(statement, kind: str):
    """An upsert that adds what it brings to a row already there."""
    new = statement.excluded
    merge = {name: STATS.c[name] + new[name] for name in COUNTERS}
    if kind == "postgresql":
        merge["numeric_sum"] = _added(STATS.c.numeric_sum, new.numeric_sum)
    merge.update(
        numeric_min=_lower(kind, STATS.c.numeric_min, new.numeric_min),
        numeric_max=_higher(kind, STATS.c.numeric_max, new.numeric_max),
        version=STATS.c.version + literal_column("1"),
    )
    return statement.on_conflict_do_update(index_elements=list(KEY_COLUMNS), set_=merge)


# A new row's own version and flag are written into the text: the parameters
# are exactly a Tallies.ordered row, in its order, and need no conversion.
_SQLITE_ADD = DriverStatement(
    _merged(
        sqlite.insert(STATS).values(
            {
                **{name: bindparam(name) for name in (*KEY_COLUMNS, *TALLIED)},
                "version": literal_column("1"),
                "dirty": false(),
            }
        ),
        "sqlite",
    )
)


def add_on_sqlite(connection: Connection, rows: Sequence[dict]) -> None:
    """Add the rows' contributions, in the caller's transaction (SQLite)."""
    stats = tally_rows(rows).ordered()
    if stats:
        _SQLITE_ADD.run_many_ordered(connection, stats, (*KEY_COLUMNS, *TALLIED))


# PostgreSQL: a fold's tallies (score_folds.py), counted in the worker as on SQLite, travel
# as one JSON document of whole score_stats rows, added in one statement.
_TALLY_NAMES = (*KEY_COLUMNS, *TALLIED)
_SUM = _TALLY_NAMES.index("numeric_sum")


def tally_document(tallies: Tallies) -> str:
    """Tallies as the JSON document add_on_postgresql() reads: whole score_stats rows,
    a new row's version and flag included."""
    records = []
    for row in tallies.ordered():
        record = dict(zip(_TALLY_NAMES, row, strict=True), version=1, dirty=False)
        if not math.isfinite(row[_SUM]):  # an overflowed sum: JSON has no infinity
            record["numeric_sum"] = str(row[_SUM])
        records.append(record)
    return json.dumps(records, ensure_ascii=False, separators=(",", ":"))


def document_rows(parameter: str, alias: str) -> Select:
    """Whole score_stats rows from a JSON document parameter (PostgreSQL), in key order:
    an upsert of them takes its row locks in the order every writer takes them."""
    document = cast(bindparam(parameter, type_=Text), postgresql.JSON)
    record: ColumnElement = literal_column(f"NULL::{STATS.name}")
    rows = func.json_populate_recordset(record, document).table_valued(*_NAMES, name=alias)
    return (
        select(literal_column(f"{alias}.*"))
        .select_from(rows)
        .order_by(*(rows.c[name] for name in KEY_COLUMNS))
    )


def _document_upsert() -> DriverStatement:
    rows = document_rows("tallies", "tally")
    upsert = _merged(postgresql.insert(STATS).from_select(list(_NAMES), rows), "postgresql")
    return DriverStatement(upsert, writes=True)


_POSTGRESQL_ADD = _document_upsert()


def add_on_postgresql(connection: Connection, tallies: Tallies) -> None:
    """Add the tallies to the stored rows, in the caller's transaction (PostgreSQL)."""
    if tallies.by_key:
        _POSTGRESQL_ADD.run(connection, {"tallies": tally_document(tallies)})
