"""How many predictions each run holds, kept in the transaction that stores or deletes them.

The runs page shows it for every run of a project; counting a run's
predictions at read time would walk all of them.
"""

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.selectable import CTE

from app.models import RunPredictionCount
from app.storage.compiled import DriverStatement

_COUNTS = RunPredictionCount.__table__
_KEY = ["entity", "project", "run_key"]


def _merged(statement):
    return statement.on_conflict_do_update(
        index_elements=_KEY,
        set_={"predictions": _COUNTS.c.predictions + statement.excluded.predictions},
    )


_SQLITE_ADD = DriverStatement(
    _merged(sqlite.insert(_COUNTS).values({c.name: bindparam(c.name) for c in _COUNTS.columns}))
)


def tally(rows: Iterable[dict]) -> list[dict]:
    """New prediction rows counted per run, in key order (the order locks are taken in)."""
    counts = Counter(
        (row["entity"], row["project"], row["evaluation_run_id"] or "") for row in rows
    )
    return [
        {"entity": entity, "project": project, "run_key": run, "predictions": count}
        for (entity, project, run), count in sorted(counts.items())
    ]


def add_on_sqlite(connection: Connection, rows: Iterable[dict]) -> None:
    """Count new prediction rows, in the caller's transaction (SQLite)."""
    counted = tally(rows)
    if counted:
        _SQLITE_ADD.run_many(connection, counted)


def add_for_stored(stored: CTE) -> CTE:
    """A data-modifying CTE counting the predictions `stored` returned (PostgreSQL)."""
    run = func.coalesce(stored.c.evaluation_run_id, "")
    counted = (
        select(stored.c.entity, stored.c.project, run, func.count())
        .group_by(stored.c.entity, stored.c.project, run)
        .order_by(stored.c.entity, stored.c.project, run)
    )
    upsert = _merged(postgresql.insert(_COUNTS).from_select([*_KEY, "predictions"], counted))
    return upsert.cte("counted_predictions")


def subtract(connection: Connection, entity: str, project: str, runs: Counter) -> None:
    """Take deleted predictions off their runs' counts, in the caller's transaction."""
    for run, count in sorted(runs.items()):
        connection.execute(
            update(_COUNTS)
            .where(
                _COUNTS.c.entity == entity,
                _COUNTS.c.project == project,
                _COUNTS.c.run_key == (run or ""),
            )
            .values(predictions=_COUNTS.c.predictions - count)
        )
