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
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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
    false,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import CTE

from app.models import ScoreStat
from app.score_values import BOOLEAN, NUMBER, TEXT, leaves
from app.storage.compiled import DriverStatement

STATS = ScoreStat.__table__
GROUP_COLUMNS = ("entity", "project", "run_key", "scorer_digest")
KEY_COLUMNS = (*GROUP_COLUMNS, "path")
GROUP_ORDER = tuple(STATS.c[name] for name in GROUP_COLUMNS)
COUNTERS = (
    "value_count",
    "numeric_count",
    "numeric_sum",
    "bool_count",
    "true_count",
    "text_count",
    "skipped_leaves",
)


class Tally:
    """One leaf's statistics, as kept in a row of score_stats."""

    __slots__ = ("scorer", *COUNTERS[:3], "numeric_min", "numeric_max", *COUNTERS[3:])

    def __init__(self, scorer: str):
        self.scorer = scorer
        self.value_count = self.numeric_count = self.bool_count = 0
        self.true_count = self.text_count = self.skipped_leaves = 0
        self.numeric_sum = 0.0
        self.numeric_min: float | None = None
        self.numeric_max: float | None = None

    def add(self, kind: str, number: float | None) -> None:
        """Count one value of the leaf."""
        self.value_count += 1
        if kind == NUMBER:
            assert number is not None
            self.numeric_count += 1
            self.numeric_sum += number
            if self.numeric_min is None or number < self.numeric_min:
                self.numeric_min = number
            if self.numeric_max is None or number > self.numeric_max:
                self.numeric_max = number
        elif kind == BOOLEAN:
            self.bool_count += 1
            self.true_count += number == 1.0
        elif kind == TEXT:
            self.text_count += 1

    def values(self) -> tuple:
        """The tally in the order of TALLIED (after a row's key)."""
        return (
            self.scorer,
            self.value_count,
            self.numeric_count,
            self.numeric_sum,
            self.numeric_min,
            self.numeric_max,
            self.bool_count,
            self.true_count,
            self.text_count,
            self.skipped_leaves,
        )


# A statistics row's columns after its key, in the order Tally.values gives them.
TALLIED = (
    "scorer",
    "value_count",
    "numeric_count",
    "numeric_sum",
    "numeric_min",
    "numeric_max",
    "bool_count",
    "true_count",
    "text_count",
    "skipped_leaves",
)


@dataclass
class Tallies:
    """Tallies by (entity, project, run_key, scorer_digest, path)."""

    by_key: dict[tuple, Tally] = field(default_factory=dict)

    def add_score(
        self, entity: str, project: str, run: str | None, digest: str, scorer: str, value_json: str
    ) -> None:
        """Count one stored score."""
        found, skipped = leaves(json.loads(value_json))
        by_key, run_key = self.by_key, run or ""
        root = None
        for leaf in found:
            key = (entity, project, run_key, digest, leaf.path)
            tally = by_key.get(key)
            if tally is None:
                tally = by_key[key] = Tally(scorer)
            tally.add(leaf.kind, leaf.number)
            if root is None:
                root = tally  # leaves() gives the root first
        assert root is not None
        root.skipped_leaves += skipped

    def ordered(self) -> list[tuple]:
        """One row per key as (*key, *Tally.values()), in key order (the order locks are
        taken in)."""
        return [(*key, *tally.values()) for key, tally in sorted(self.by_key.items())]

    def rows(self) -> list[dict]:
        """One score_stats row per key, as a dict, in key order."""
        names = (*KEY_COLUMNS, *TALLIED)
        return [dict(zip(names, row, strict=True)) for row in self.ordered()]


def tally_rows(rows: Iterable[dict]) -> Tallies:
    """The tallies of new score rows (dicts of every column)."""
    tallies = Tallies()
    for row in rows:
        tallies.add_score(
            row["entity"],
            row["project"],
            row["evaluation_run_id"],
            row["scorer_digest"],
            row["scorer"],
            row["value_json"],
        )
    return tallies


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


def _merged(statement, kind: str):
    """An upsert that adds what it brings to a row already there."""
    new = statement.excluded
    merge = {name: STATS.c[name] + new[name] for name in COUNTERS}
    if kind == "postgresql":
        merge["numeric_sum"] = _as_double(
            cast(STATS.c.numeric_sum, Numeric) + cast(new.numeric_sum, Numeric)
        )
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
