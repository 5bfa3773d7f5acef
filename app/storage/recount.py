"""Counting a project's statistics again from its rows: every score's leaves, every run's
predictions.

For rows that reached the tables without going through the batches (a bulk
load, a restored dump) and for an operator who doubts the counts. The
project's statistics rows are replaced in one write transaction that first
locks both statistics tables: a create that commits meanwhile waits on its
upsert and adds its own contribution after ours, so it is neither lost nor
counted twice. On PostgreSQL the scores' statistics count up to a horizon
set afresh (score_folds.py); the scores stored since are added on reading.
"""

from collections import Counter

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from app.models import Prediction, RunPredictionCount, Score, ScoreStat
from app.storage import score_folds
from app.storage.engine import is_postgresql
from app.storage.tallies import SCORE_COLUMNS, Tallies
from app.storage.transactions import engine_write

# Scores read per round trip while counting.
FETCH = 10_000


def recount_project(engine: Engine, entity: str, project: str) -> tuple[int, int]:
    """Replace the project's statistics with counts of its rows; return (scores, predictions)."""
    with engine_write(engine) as connection:
        horizon = None
        if is_postgresql(connection):
            connection.exec_driver_sql(
                "LOCK TABLE score_stats, run_prediction_counts IN SHARE ROW EXCLUSIVE MODE"
            )
            score_folds.hold_horizon(connection, entity, project)
            horizon = score_folds.oldest_running(connection)
            score_folds.set_horizon(connection, entity, project, horizon)
        scores = _recount_scores(connection, entity, project, horizon)
        predictions = _recount_predictions(connection, entity, project)
    return scores, predictions


def _recount_scores(connection: Connection, entity: str, project: str, horizon: int | None) -> int:
    tallies = Tallies()
    query = select(*SCORE_COLUMNS).where(Score.entity == entity, Score.project == project)
    if horizon is not None:  # PostgreSQL: the rows count what was stored before it
        query = query.where(score_folds.counted_before(horizon))
    counted = 0
    result = connection.execute(query.execution_options(yield_per=FETCH))
    for score in result:
        tallies.add_score(*score)
        counted += 1
    connection.execute(
        delete(ScoreStat).where(ScoreStat.entity == entity, ScoreStat.project == project)
    )
    rows = tallies.rows()
    for row in rows:
        row.update(version=1, dirty=False)
    for start in range(0, len(rows), FETCH):
        connection.execute(insert(ScoreStat), rows[start : start + FETCH])
    return counted


def _recount_predictions(connection: Connection, entity: str, project: str) -> int:
    run = func.coalesce(Prediction.evaluation_run_id, "")
    counts = Counter(
        dict(
            connection.execute(
                select(run, func.count())
                .where(Prediction.entity == entity, Prediction.project == project)
                .group_by(run)
            ).all()
        )
    )
    connection.execute(
        delete(RunPredictionCount).where(
            RunPredictionCount.entity == entity, RunPredictionCount.project == project
        )
    )
    rows = [
        {"entity": entity, "project": project, "run_key": key, "predictions": count}
        for key, count in sorted(counts.items())
    ]
    if rows:
        connection.execute(insert(RunPredictionCount), rows)
    return sum(counts.values())
