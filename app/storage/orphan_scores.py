"""Scores whose prediction is stored nowhere: a run's rows include them (keyed
"prediction:" + id), so a run scored without its predictions still lines up."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import Connection

from app.models import Prediction, Score

# Ids per IN list: well under every driver's parameter limit.
CHUNK = 500


def orphan_scores(
    connection: Connection,
    params: dict,
    named: Sequence[tuple],
    stored: set[str],
) -> list[tuple]:
    """The scores (of `named`: prediction id, score id) whose prediction is stored nowhere,
    as (prediction id, score id, scorer, value_json), oldest first."""
    candidates = sorted({prediction for prediction, _id in named} - stored)
    if not candidates:
        return []
    missing: list[str] = []
    for start in range(0, len(candidates), CHUNK):
        chunk = candidates[start : start + CHUNK]
        found = set(
            connection.execute(
                select(Prediction.id).where(
                    Prediction.entity == params["entity"],
                    Prediction.project == params["project"],
                    Prediction.id.in_(chunk),
                )
            ).scalars()
        )
        missing.extend(prediction for prediction in chunk if prediction not in found)
    unstored = set(missing)
    ids = sorted(score for prediction, score in named if prediction in unstored)
    rows: list[tuple] = []
    for start in range(0, len(ids), CHUNK):
        rows.extend(
            connection.execute(
                select(Score.prediction_id, Score.id, Score.scorer, Score.value_json).where(
                    Score.entity == params["entity"],
                    Score.project == params["project"],
                    Score.id.in_(ids[start : start + CHUNK]),
                )
            ).all()
        )
    return sorted(rows, key=lambda row: row[1])
