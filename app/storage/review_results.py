"""What a queue's agreement page reads: each reviewer's latest answer per item, the judge
scores of the queue's predictions, and which scorers those predictions have."""

import json
from collections.abc import Sequence

from sqlalchemy import select

from app.models import ReviewAnswer, ReviewQueueItem, Score
from app.storage.digests import scorer_digest
from app.storage.transactions import request_connection

CHUNK = 2000


def answer_values(entity: str, project: str, queue_id: int) -> list[tuple]:
    """(item_id, prediction_id, item done, reviewer, scorer, value_json) of each reviewer's
    latest answer to each item of the queue (skips left out), by item then reviewer."""
    connection = request_connection()
    answers = connection.execute(
        select(
            ReviewAnswer.item_id,
            ReviewQueueItem.prediction_id,
            ReviewQueueItem.done,
            ReviewAnswer.reviewer,
            ReviewAnswer.score_ids_json,
        )
        .join(ReviewQueueItem, ReviewQueueItem.id == ReviewAnswer.item_id)
        .where(ReviewAnswer.queue_id == queue_id, ReviewAnswer.skipped.is_(False))
        .order_by(ReviewAnswer.item_id, ReviewAnswer.reviewer, ReviewAnswer.round)
    ).all()
    latest: dict[tuple[int, str], tuple[str, bool, list[str]]] = {}
    for item_id, prediction_id, done, reviewer, score_ids_json in answers:
        latest[(item_id, reviewer)] = (prediction_id, done, json.loads(score_ids_json or "[]"))
    wanted = [score_id for *_, ids in latest.values() for score_id in ids]
    values: dict[str, tuple[str, str]] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = connection.execute(
            select(Score.id, Score.scorer, Score.value_json).where(
                Score.entity == entity,
                Score.project == project,
                Score.id.in_(wanted[start : start + CHUNK]),
            )
        )
        values.update((score_id, (scorer, value)) for score_id, scorer, value in rows)
    return [
        (item_id, prediction_id, done, reviewer, *values[score_id])
        for (item_id, reviewer), (prediction_id, done, ids) in latest.items()
        for score_id in ids
        if score_id in values
    ]


def _scores_of_queue(entity: str, project: str, queue_id: int):
    return (
        select(Score.prediction_id, Score.scorer, Score.value_json, Score.created_by)
        .join(
            ReviewQueueItem,
            (ReviewQueueItem.prediction_id == Score.prediction_id)
            & (ReviewQueueItem.queue_id == queue_id),
        )
        .where(Score.entity == entity, Score.project == project)
    )


def judge_values(entity: str, project: str, queue_id: int, scorer: str) -> dict[str, str]:
    """prediction_id -> value_json of the newest score of the scorer on each queue item, other
    than reviewers' answers (source "queue")."""
    query = (
        _scores_of_queue(entity, project, queue_id)
        .where(Score.scorer_digest == scorer_digest(scorer), Score.source != "queue")
        .order_by(Score.id)
    )
    return {row[0]: row[2] for row in request_connection().execute(query)}


def scorers_on_queue(entity: str, project: str, queue_id: int) -> list[str]:
    """The scorers of any score on the queue's predictions, by name."""
    query = (
        select(Score.scorer)
        .distinct()
        .join(
            ReviewQueueItem,
            (ReviewQueueItem.prediction_id == Score.prediction_id)
            & (ReviewQueueItem.queue_id == queue_id),
        )
        .where(Score.entity == entity, Score.project == project)
    )
    return sorted(request_connection().execute(query).scalars())


def prediction_scores_of(
    entity: str, project: str, prediction_id: str, scorers: Sequence[str]
) -> Sequence:
    """(scorer, value_json, created_by, source) of the prediction's scores of these scorers."""
    query = (
        select(Score.scorer, Score.value_json, Score.created_by, Score.source)
        .where(
            Score.entity == entity,
            Score.project == project,
            Score.prediction_id == prediction_id,
            Score.scorer_digest.in_([scorer_digest(scorer) for scorer in scorers]),
        )
        .order_by(Score.id)
    )
    return request_connection().execute(query).all()
