"""What a queue's agreement page reads: each reviewer's latest answer per item, the judge
scores of the queue's predictions, and which scorers those predictions have."""

import json
from collections.abc import Sequence

from sqlalchemy import ARRAY, String, any_, bindparam, select

from app.models import ReviewAnswer, ReviewQueueItem, Score
from app.storage.compiled import DriverStatement
from app.storage.digests import scorer_digest
from app.storage.transactions import request_connection

QUEUE_SOURCE = "queue"  # the source of a reviewer's answer (services/reviewing.py)


# The queue's answers by ix_review_answers_reviewer, then their scores by primary key: a
# plan no database can get wrong, even on tables it has no statistics of yet.
_ANSWERS = DriverStatement(
    select(
        ReviewAnswer.item_id,
        ReviewQueueItem.prediction_id,
        ReviewQueueItem.done,
        ReviewAnswer.reviewer,
        ReviewAnswer.round,
        ReviewAnswer.score_ids_json,
    )
    .join(ReviewQueueItem, ReviewQueueItem.id == ReviewAnswer.item_id)
    .where(ReviewAnswer.queue_id == bindparam("queue_id"), ReviewAnswer.skipped.is_(False))
)
CHUNK = 5000
# On SQLite one join reads faster: an answer's scores are among the reviewer's queue scores
# of the item's prediction (ix_scores_project_prediction). SQLite plans it from the answers
# whatever it knows of the tables; PostgreSQL, before it has statistics, may not.
_JOINED = DriverStatement(
    select(
        ReviewAnswer.item_id,
        ReviewQueueItem.prediction_id,
        ReviewQueueItem.done,
        ReviewAnswer.reviewer,
        Score.scorer,
        Score.value_json,
        Score.id,
        ReviewAnswer.score_ids_json,
    )
    .join(ReviewQueueItem, ReviewQueueItem.id == ReviewAnswer.item_id)
    .join(
        Score,
        (Score.entity == bindparam("entity"))
        & (Score.project == bindparam("project"))
        & (Score.prediction_id == ReviewQueueItem.prediction_id)
        & (Score.created_by == ReviewAnswer.reviewer)
        & (Score.source == QUEUE_SOURCE),
    )
    .where(ReviewAnswer.queue_id == bindparam("queue_id"), ReviewAnswer.skipped.is_(False))
)


def answer_values(entity: str, project: str, queue_id: int) -> list[tuple]:
    """(item_id, prediction_id, item done, reviewer, scorer, value_json) of each reviewer's
    latest answer to each item of the queue (skips left out), one row per scorer, in no
    particular order (sorting tens of thousands of rows costs more than reading them).

    Read on the driver's cursor: a queue of 10,000 items has tens of thousands of
    answers, and SQLAlchemy's result handling would double the read.
    """
    connection = request_connection()
    if connection.dialect.name == "sqlite":
        return _joined(connection, entity, project, queue_id)
    latest: dict[tuple[int, str], tuple] = {}
    for row in _ANSWERS.all(connection, {"queue_id": queue_id}):
        key = (row[0], row[3])
        if key not in latest or latest[key][4] < row[4]:
            latest[key] = row
    kept = list(latest.values())
    # One parse of every answer's list of score ids: cheaper than a json.loads per answer.
    score_ids = json.loads("[" + ",".join(row[5] or "[]" for row in kept) + "]")
    answers = [(row[:4], ids) for row, ids in zip(kept, score_ids, strict=True)]
    values = _score_values(connection, entity, project, [i for _, ids in answers for i in ids])
    return [
        (*answer, *values[score_id])
        for answer, ids in answers
        for score_id in ids
        if score_id in values
    ]


def _joined(connection, entity: str, project: str, queue_id: int) -> list[tuple]:
    """answer_values by one join (SQLite): of the scores the join finds, those the answer
    names (not the reviewer's answers to the same prediction in another queue), the
    newest per (item, reviewer, scorer): the latest round's."""
    params = {"entity": entity, "project": project, "queue_id": queue_id}
    latest: dict[tuple[int, str, str], tuple] = {}
    for row in _JOINED.all(connection, params):
        if row[6] not in row[7]:  # a UUID's text in the answer's JSON list of score ids
            continue
        key = (row[0], row[3], row[4])
        if key not in latest or latest[key][6] < row[6]:
            latest[key] = row
    return [row[:6] for row in latest.values()]


def _score_values(connection, entity: str, project: str, wanted: list[str]) -> dict:
    """score id -> (scorer, value_json) of the project's scores with these ids, by primary
    key: one array parameter on PostgreSQL (thousands of placeholders cost the driver more
    than the query), chunks of IN lists on SQLite."""
    of_project = (Score.entity == entity, Score.project == project)
    columns = (Score.id, Score.scorer, Score.value_json)
    if connection.dialect.name == "postgresql":
        chosen = Score.id == any_(bindparam("score_ids", wanted, type_=ARRAY(String(36))))
        return {
            row[0]: row[1:]
            for row in connection.execute(select(*columns).where(*of_project, chosen)).all()
        }
    values: dict[str, tuple] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = Score.id.in_(wanted[start : start + CHUNK])
        values.update(
            (row[0], row[1:])
            for row in connection.execute(select(*columns).where(*of_project, chunk)).all()
        )
    return values


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


def judge_values(
    entity: str, project: str, queue_id: int, scorer: str, limit: int | None = None
) -> dict[str, str]:
    """prediction_id -> value_json of the newest score of the scorer on each queue item, other
    than reviewers' answers (source "queue"); the first `limit` scores only, if given."""
    query = (
        _scores_of_queue(entity, project, queue_id)
        .where(Score.scorer_digest == scorer_digest(scorer), Score.source != QUEUE_SOURCE)
        .order_by(Score.id)
        .limit(limit)
    )
    return {row[0]: row[2] for row in request_connection().execute(query).all()}


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
