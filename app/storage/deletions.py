"""Deleting scores, predictions and runs, with everything kept beside them.

Each delete runs in the caller's write transaction: the scores' statistics
are marked for a recount (score_stats.py), the runs' prediction counts go
down (run_counts.py), and the project's deletion count moves, so that what
a process remembers of its settled scores is read again (list_anchors.py).
Deleting a run deletes its predictions and every score of them, and every
score that names the run.
"""

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from app.models import EvaluationRun, Prediction, Score
from app.storage import list_anchors, run_counts, stale_stats

# Keeps each statement under every database's parameter limit.
CHUNK = 500


def _chunks(ids: Sequence[str]):
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), CHUNK):
        yield unique[start : start + CHUNK]


def delete_scores_where(
    connection: Connection, entity: str, project: str, condition: ColumnElement[bool]
) -> int:
    """Delete the project's scores matching the condition; return how many there were."""
    deleted = connection.execute(
        delete(Score)
        .where(Score.entity == entity, Score.project == project, condition)
        .returning(Score.evaluation_run_id, Score.scorer_digest, Score.scorer)
    ).all()
    if deleted:
        groups = {(entity, project, run or "", digest): scorer for run, digest, scorer in deleted}
        stale_stats.mark_dirty(connection, groups)
        list_anchors.record_settled_change(connection, entity, project)
    return len(deleted)


def delete_scores(connection: Connection, entity: str, project: str, ids: Sequence[str]) -> int:
    """Delete scores by id; return how many of them existed."""
    return sum(
        delete_scores_where(connection, entity, project, Score.id.in_(chunk))
        for chunk in _chunks(ids)
    )


def delete_predictions(
    connection: Connection, entity: str, project: str, ids: Sequence[str]
) -> int:
    """Delete predictions by id, and every score given to them; return how many existed."""
    removed = 0
    for chunk in _chunks(ids):
        runs = connection.execute(
            delete(Prediction)
            .where(Prediction.entity == entity, Prediction.project == project)
            .where(Prediction.id.in_(chunk))
            .returning(Prediction.evaluation_run_id)
        ).scalars()
        counted = Counter(runs)
        run_counts.subtract(connection, entity, project, counted)
        removed += sum(counted.values())
        delete_scores_where(connection, entity, project, Score.prediction_id.in_(chunk))
    return removed


def delete_runs(connection: Connection, entity: str, project: str, ids: Sequence[str]) -> int:
    """Delete created runs by id, with their predictions and scores; return how many existed."""
    removed = 0
    for chunk in _chunks(ids):
        existing = connection.execute(
            delete(EvaluationRun)
            .where(EvaluationRun.entity == entity, EvaluationRun.project == project)
            .where(EvaluationRun.id.in_(chunk))
            .returning(EvaluationRun.id)
        ).scalars()
        runs = list(existing)
        if not runs:
            continue
        removed += len(runs)
        predictions = select(Prediction.id).where(
            Prediction.entity == entity,
            Prediction.project == project,
            Prediction.evaluation_run_id.in_(runs),
        )
        delete_scores_where(
            connection,
            entity,
            project,
            or_(Score.evaluation_run_id.in_(runs), Score.prediction_id.in_(predictions)),
        )
        gone = connection.execute(
            delete(Prediction)
            .where(Prediction.entity == entity, Prediction.project == project)
            .where(Prediction.evaluation_run_id.in_(runs))
            .returning(Prediction.evaluation_run_id)
        ).scalars()
        run_counts.subtract(connection, entity, project, Counter(gone))
    return removed
