"""Statistics kept with the scores: written in the transaction that stores them.

Each (project, run, scorer, leaf of the value) has a row of counts, a sum,
a minimum and a maximum (app/models/score_stat.py, leaves as
app/score_values.py walks them). Every insert of scores adds its rows'
contributions: on SQLite in the batch's transaction, on PostgreSQL in the
batch's one statement, counted only for the rows that statement stored.
Every write bumps the root row's version, and takes its row locks in key
order. What a deletion does to them: stale_stats.py.
"""

import json
import math
import sys
from collections.abc import Iterable, Sequence
from decimal import Decimal

from sqlalchemy import (
    Double,
    Integer,
    Numeric,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import CTE, Select

from app.models import ScoreStat
from app.score_values import BOOLEAN, NUMBER, TEXT, leaves
from app.storage.compiled import DriverStatement
from app.storage.tallies import COUNTERS, GROUP_COLUMNS, KEY_COLUMNS, TALLIED, tally_rows

STATS = ScoreStat.__table__
GROUP_ORDER = tuple(STATS.c[name] for name in GROUP_COLUMNS)


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


# PostgreSQL: the leaves travel as one JSON document beside the batch's rows,
# and the upsert counts only those whose score the statement stored.
_LEAF_COLUMNS = (
    column("id", String),
    column("entity", String),
    column("project", String),
    column("run_key", String),
    column("scorer_digest", String),
    column("scorer", String),
    column("path", String),
    column("kind", String),
    column("number", Double),
    column("skipped", Integer),
)


def leaf_document(rows: Iterable[dict]) -> str:
    """The leaves of new score rows, as the JSON document add_for_stored() reads."""
    records = []
    for row in rows:
        found, skipped = leaves(json.loads(row["value_json"]))
        base = {
            "id": row["id"],
            "entity": row["entity"],
            "project": row["project"],
            "run_key": row["evaluation_run_id"] or "",
            "scorer_digest": row["scorer_digest"],
            "scorer": row["scorer"],
        }
        for index, leaf in enumerate(found):
            records.append(
                {
                    **base,
                    "path": leaf.path,
                    "kind": leaf.kind,
                    "number": leaf.number,
                    "skipped": skipped if index == 0 else 0,
                }
            )
    return json.dumps(records, ensure_ascii=False, separators=(",", ":"))


def add_for_stored(stored: CTE) -> CTE:
    """A data-modifying CTE adding the `leaves` parameter's contributions of the rows
    `stored` returned (by id), for a PostgreSQL statement that inserts scores."""
    document = cast(bindparam("leaves", type_=Text), postgresql.JSON)
    leaf = (
        func.json_to_recordset(document)
        .table_valued(*_LEAF_COLUMNS)
        .render_derived(name="leaf", with_types=True)
    )
    kind, number = leaf.c.kind, leaf.c.number
    numbers = kind == NUMBER
    booleans = kind == BOOLEAN
    keys = [leaf.c[name] for name in KEY_COLUMNS]
    counted = (
        select(
            *keys,
            func.min(leaf.c.scorer),
            literal(1, type_=Integer),
            false(),
            func.count(),
            func.count().filter(numbers),
            func.coalesce(
                _as_double(func.sum(cast(number, Numeric)).filter(numbers)),
                literal(0.0, type_=Double),
            ),
            func.min(number).filter(numbers),
            func.max(number).filter(numbers),
            func.count().filter(booleans),
            func.count().filter(and_(booleans, number == 1.0)),
            func.count().filter(kind == TEXT),
            func.sum(leaf.c.skipped),
        )
        .select_from(leaf.join(stored, stored.c.id == leaf.c.id))
        .group_by(*keys)
        .order_by(*keys)  # rows are locked in key order, as everywhere
    )
    names = [*KEY_COLUMNS, "scorer", "version", "dirty", *TALLIED[1:]]
    upsert = _merged(postgresql.insert(STATS).from_select(names, counted), "postgresql")
    return upsert.cte("counted")


# PostgreSQL, a batch's first run: it stores every row or none (row_inserts.py), so the
# batch's tallies, counted here as on SQLite, travel instead of its leaves, and the upsert
# adds them only if the statement stored its rows. The server neither joins nor groups.
_TALLY_NAMES = (*KEY_COLUMNS, *TALLIED)
_SUM = _TALLY_NAMES.index("numeric_sum")


def tally_document(rows: Iterable[dict]) -> str:
    """The tallies of new score rows, as the JSON document add_if_stored() reads: whole
    score_stats rows, a new row's version and flag included."""
    records = []
    for row in tally_rows(rows).ordered():
        record = dict(zip(_TALLY_NAMES, row, strict=True), version=1, dirty=False)
        if not math.isfinite(row[_SUM]):  # an overflowed sum: JSON has no infinity
            record["numeric_sum"] = str(row[_SUM])
        records.append(record)
    return json.dumps(records, ensure_ascii=False, separators=(",", ":"))


def add_if_stored(stored: CTE) -> CTE:
    """A data-modifying CTE adding the `tallies` parameter's rows if `stored` returned
    any row, for a PostgreSQL statement that inserts a whole batch of scores or none."""
    document = cast(bindparam("tallies", type_=Text), postgresql.JSON)
    record: ColumnElement = literal_column(f"NULL::{STATS.name}")
    tally = func.json_populate_recordset(record, document).table_valued(*_TALLY_NAMES, name="tally")
    # Rows of the table's own type, selected whole: a short text keeps the hot statement
    # within what psycopg converts once and caches (row_inserts.py).
    counted: Select = (
        select(literal_column("tally.*"))
        .select_from(tally)
        .where(exists(select(stored.c.id)))
        .order_by(*(tally.c[name] for name in KEY_COLUMNS))  # rows are locked in key order
    )
    names = [column.name for column in STATS.columns]
    upsert = _merged(postgresql.insert(STATS).from_select(names, counted), "postgresql")
    return upsert.cte("tallied")
