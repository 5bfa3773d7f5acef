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
holds meanwhile; fold_reads.py reads. Any transaction running on the server
holds the horizon back, so one left open lets the scores past it pile up:
still exact, read more slowly. SQLite counts in each batch's transaction:
it stamps nothing, and a null stamp is counted already.
"""

import logging
import threading
from collections.abc import Iterable, Sequence

from sqlalchemy import Index, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ColumnElement

from app.models import FoldHorizon, Score
from app.storage import score_stats
from app.storage.tallies import SCORE_COLUMNS, Tallies
from app.storage.transactions import engine_write

HORIZONS = FoldHorizon.__table__

# The scores past a horizon are found by their stamp. SQLite stamps none, so the index is
# PostgreSQL's alone, declared here where the databases are told apart.
_SCORES = Score.__table__
Index("ix_scores_project_txid", _SCORES.c.entity, _SCORES.c.project, _SCORES.c.txid).ddl_if(
    dialect="postgresql"
)

# A worker folds a project after this many of its scores there: what a reader adds up
# beyond the kept rows stays within about this many per worker writing to the project.
FOLD_EVERY = 256

log = logging.getLogger(__name__)

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


def counted_before(horizon: int) -> ColumnElement[bool]:
    """The scores the statistics rows count when the horizon is this."""
    return or_(Score.txid.is_(None), Score.txid < horizon)


def horizon_of(entity: str, project: str):
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
            select(*SCORE_COLUMNS)
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
