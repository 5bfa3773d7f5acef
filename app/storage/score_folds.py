"""PostgreSQL's statistics, folded in after the scores' transactions.

Upserting a batch's statistics rows in its own statement (one per run,
scorer and leaf: dozens for a batch spread over several runs) cost
PostgreSQL's creates much of their speed (bench/README.md). So each score
is stamped with the transaction that stored it (scores.txid), and a project's
score_stats rows count exactly the scores of the transactions before its
horizon (fold_horizons). A fold moves the horizon up to the oldest
transaction still running, every one before it having ended, and counts
the scores in between, in one transaction. A reader adds the scores past
the horizon to the rows in the statement that reads them, one snapshot,
so its numbers are exact however far the fold has come.

A worker folds a project after every FOLD_EVERY scores it stored there; a
recount (stale_stats.py, recount.py) counts up to the horizon, which it
holds meanwhile. SQLite counts in each batch's transaction: it stamps
nothing, and a null stamp is counted already.
"""

import logging
import threading
from collections.abc import Iterable, Sequence

from sqlalchemy import func, literal, null, or_, select, union_all, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect, Select

from app.models import FoldHorizon, Score
from app.score_values import ROOT_PATH
from app.storage import score_stats
from app.storage.engine import is_postgresql
from app.storage.score_stats import STATS
from app.storage.tallies import COUNTERS, GROUP_COLUMNS, KEY_COLUMNS, Tallies
from app.storage.transactions import engine_write

HORIZONS = FoldHorizon.__table__

# A worker folds a project after this many of its scores there: what a reader adds up
# beyond the kept rows stays within about this many per worker writing to the project.
FOLD_EVERY = 256

log = logging.getLogger(__name__)

# What a tally reads of a score, in Tallies.add_score's order.
_TALLIED = (
    Score.entity,
    Score.project,
    Score.evaluation_run_id,
    Score.scorer_digest,
    Score.scorer,
    Score.value_json,
)


# --- The horizon --------------------------------------------------------------------------


def oldest_running(connection: Connection) -> int:
    """The oldest transaction still running: every one before it has ended."""
    query = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
    return connection.exec_driver_sql(query).scalar_one()


def hold_horizon(connection: Connection, entity: str, project: str, wait: bool = True) -> int:
    """The project's horizon (0 for a new one), its row locked until the transaction ends:
    folds and recounts of the project take their turns. Without `wait`, -1 when another
    holds it."""
    new = {"entity": entity, "project": project, "horizon": 0}
    connection.execute(postgresql.insert(HORIZONS).values(new).on_conflict_do_nothing())
    held = select(HORIZONS.c.horizon).where(
        HORIZONS.c.entity == entity, HORIZONS.c.project == project
    )
    found = connection.execute(held.with_for_update(skip_locked=not wait)).scalar()
    return -1 if found is None else found


def set_horizon(connection: Connection, entity: str, project: str, horizon: int) -> None:
    connection.execute(
        update(HORIZONS)
        .where(HORIZONS.c.entity == entity, HORIZONS.c.project == project)
        .values(horizon=horizon)
    )


def counted_before(horizon: int | None) -> ColumnElement[bool]:
    """The scores the statistics rows count when the horizon is this (None: SQLite's)."""
    if horizon is None:
        return Score.txid.is_(None)
    return or_(Score.txid.is_(None), Score.txid < horizon)


def _horizon_of(entity: str, project: str):
    found = select(HORIZONS.c.horizon).where(
        HORIZONS.c.entity == entity, HORIZONS.c.project == project
    )
    return func.coalesce(found.scalar_subquery(), literal(0))


# --- Folding ------------------------------------------------------------------------------


def fold(engine: Engine, entity: str, project: str) -> None:
    """Count the project's scores stored since its horizon by transactions that have ended,
    and move the horizon past them, in one transaction (PostgreSQL)."""
    with engine_write(engine) as connection:
        # A fold of the project already under way counts what this one would.
        start = hold_horizon(connection, entity, project, wait=False)
        end = oldest_running(connection)
        if start < 0 or end <= start:
            return
        scores = (
            select(*_TALLIED)
            .where(Score.entity == entity, Score.project == project)
            .where(Score.txid >= start, Score.txid < end)
            .order_by(Score.txid, Score.id)
        )
        tallies = Tallies()
        for score in connection.execute(scores):
            tallies.add_score(*score)
        score_stats.add_on_postgresql(connection, tallies)
        set_horizon(connection, entity, project, end)


class FoldSchedule:
    """Counts the scores a worker stored per project and says when to fold a project."""

    def __init__(self, every: int | None = None):
        self.every = every or FOLD_EVERY
        self._stored: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def due(self, projects: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Count one stored score per item; return the projects whose turn it is."""
        due = []
        with self._lock:
            for project in projects:
                count = self._stored.get(project, 0) + 1
                if count >= self.every:
                    due.append(project)
                    count = 0
                self._stored[project] = count
        return sorted(set(due))


def fold_when_due(engine: Engine, schedule: FoldSchedule, rows: Sequence[dict]) -> None:
    """After scores were stored: fold the projects whose turn it is."""
    for entity, project in schedule.due((row["entity"], row["project"]) for row in rows):
        try_fold(engine, entity, project)


def try_fold(engine: Engine, entity: str, project: str) -> None:
    """Fold the project if the database lets it now. The scores are stored whatever
    happens here: a fold that fails (a deadlock the server broke, a lost connection)
    leaves them for the next."""
    try:
        fold(engine, entity, project)
    except DBAPIError:
        log.warning("folding the statistics of %s/%s failed", entity, project, exc_info=True)


# --- Reading ------------------------------------------------------------------------------


def _past_horizon(entity: str, project: str) -> list[ColumnElement[bool]]:
    return [
        Score.entity == entity,
        Score.project == project,
        Score.txid >= _horizon_of(entity, project),
    ]


def _run_key() -> ColumnElement[str]:
    return func.coalesce(Score.evaluation_run_id, "")


def _stats_and_scores(
    connection: Connection, entity: str, project: str, run_keys: list[str] | None
) -> Select | CompoundSelect:
    """The project's statistics rows (of these runs), each with a null value_json; on
    PostgreSQL followed by the scores past the horizon, their value_json and stamp set."""
    kept = select(*STATS.c, null().label("value_json"), null().label("txid")).where(
        STATS.c.entity == entity, STATS.c.project == project
    )
    if run_keys is not None:
        kept = kept.where(STATS.c.run_key.in_(run_keys))
    if not is_postgresql(connection):
        return kept
    shown = {
        "entity": Score.entity,
        "project": Score.project,
        "run_key": _run_key(),
        "scorer_digest": Score.scorer_digest,
        "scorer": Score.scorer,
    }
    columns = [shown.get(column.name, null()).label(column.name) for column in STATS.columns]
    tail = select(*columns, Score.value_json, Score.txid).where(*_past_horizon(entity, project))
    if run_keys is not None:
        tail = tail.where(_run_key().in_(run_keys))
    return union_all(kept, tail)


def stats_rows(
    connection: Connection, entity: str, project: str, run_keys: list[str] | None = None
) -> tuple[list[dict], int]:
    """The project's statistics rows (of these runs), exact as of one snapshot: the kept
    rows with the scores past the horizon added, as Python adds them, in stamp order.

    A group those scores add to gets as version (the kept version or 0, how
    many they are, the newest stamp): it changes with every score stored,
    as a kept row's version does with every write (distributions.py
    remembers results under it). Returns the rows and how many scores were
    past the horizon.
    """
    rows = connection.execute(_stats_and_scores(connection, entity, project, run_keys))
    kept: dict[tuple, dict] = {}
    scores = []
    for row in rows:
        if row.value_json is None:
            values = dict(row._mapping)
            del values["value_json"], values["txid"]
            kept[tuple(values[name] for name in KEY_COLUMNS)] = values
        else:
            scores.append(row)
    if not scores:
        return list(kept.values()), 0
    tail = Tallies()
    added_to: dict[tuple, tuple[int, int]] = {}  # group: (scores, newest stamp)
    for row in sorted(scores, key=lambda row: row.txid):
        run = row.run_key or None
        tail.add_score(row.entity, row.project, run, row.scorer_digest, row.scorer, row.value_json)
        group = (row.entity, row.project, row.run_key, row.scorer_digest)
        added_to[group] = (added_to.get(group, (0, 0))[0] + 1, row.txid)
    for added in tail.rows():
        key = tuple(added[name] for name in KEY_COLUMNS)
        total = kept.get(key)
        if total is None:
            kept[key] = {**added, "version": 0, "dirty": False}
            continue
        for name in COUNTERS:
            total[name] += added[name]
        total["numeric_min"] = _extreme(min, total["numeric_min"], added["numeric_min"])
        total["numeric_max"] = _extreme(max, total["numeric_max"], added["numeric_max"])
    for key, total in kept.items():
        counted = added_to.get(key[: len(GROUP_COLUMNS)])
        if counted is not None:
            total["version"] = (total["version"], *counted)
    return list(kept.values()), len(scores)


def _extreme(pick, stored: float | None, new: float | None) -> float | None:
    if stored is None:
        return new
    return stored if new is None else pick(stored, new)


def run_score_counts(connection: Connection, entity: str, project: str) -> dict[str, int]:
    """How many scores name each run of the project."""
    kept = select(STATS.c.run_key, STATS.c.value_count.label("scores")).where(
        STATS.c.entity == entity,
        STATS.c.project == project,
        STATS.c.run_key != "",
        STATS.c.path == ROOT_PATH,
    )
    counted = kept.subquery()
    if is_postgresql(connection):
        tail = select(Score.evaluation_run_id, literal(1)).where(
            *_past_horizon(entity, project), Score.evaluation_run_id.is_not(None)
        )
        counted = union_all(kept, tail).subquery()
    query = select(counted.c.run_key, func.sum(counted.c.scores)).group_by(counted.c.run_key)
    return {key: int(count) for key, count in connection.execute(query)}


def scorers(connection: Connection, entity: str, project: str) -> list[str]:
    """Every scorer the project's statistics count (in any run)."""
    kept = select(STATS.c.scorer).where(
        STATS.c.entity == entity, STATS.c.project == project, STATS.c.path == ROOT_PATH
    )
    query: Select | CompoundSelect = kept
    if is_postgresql(connection):
        query = kept.union(select(Score.scorer).where(*_past_horizon(entity, project)))
    else:
        query = kept.distinct()
    return sorted(connection.execute(query).scalars())
