"""What a queue's agreement page reads: each reviewer's latest answer per item, the judge
scores of the queue's predictions, and which scorers those predictions have."""

from collections.abc import Sequence

from sqlalchemy import JSON, any_, bindparam, cast, exists, func, select, true
from sqlalchemy.orm import aliased

from app.models import ReviewAnswer, ReviewQueueItem, Score
from app.models.score import QUEUE_SOURCE
from app.storage.compiled import DriverStatement
from app.storage.digests import scorer_digest
from app.storage.transactions import request_connection

# An answer whose reviewer answered the item again later (a send-back's round) is
# superseded; a skip supersedes nothing.
_later = aliased(ReviewAnswer)
_SUPERSEDED = exists().where(
    _later.item_id == ReviewAnswer.item_id,
    _later.reviewer == ReviewAnswer.reviewer,
    _later.round > ReviewAnswer.round,
    _later.skipped.is_(False),
)
_ANSWERED = (
    ReviewAnswer.queue_id == bindparam("queue_id"),
    ReviewAnswer.skipped.is_(False),
)
_ids_of_answer = (
    select(func.json_array_elements_text(cast(ReviewAnswer.score_ids_json, JSON)))
    .correlate(ReviewAnswer)
    .scalar_subquery()
)
# PostgreSQL: each latest answer's own scores by primary key, the ids unpacked from its JSON
# list on the server. A lateral lookup per answer is a plan no statistics can change, and
# the ids never travel to the client and back.
_answer_scores = (
    select(Score.scorer, Score.value_json)
    .where(
        Score.entity == bindparam("entity"),
        Score.project == bindparam("project"),
        Score.id == any_(func.array(_ids_of_answer)),
    )
    .lateral("answer_scores")
)
_LOOKED_UP = DriverStatement(
    select(
        ReviewAnswer.item_id,
        ReviewQueueItem.prediction_id,
        ReviewQueueItem.done,
        ReviewAnswer.reviewer,
        _answer_scores.c.scorer,
        _answer_scores.c.value_json,
    )
    .join(ReviewQueueItem, ReviewQueueItem.id == ReviewAnswer.item_id)
    .join(_answer_scores, true())
    .where(*_ANSWERED, ~_SUPERSEDED)
)
# SQLite: one join reads faster: an answer's scores are among the reviewer's queue scores of
# the item's prediction (ix_scores_project_prediction). SQLite plans it from the answers
# whatever it knows of the tables.
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
    .where(*_ANSWERED)
)


def answer_values(entity: str, project: str, queue_id: int) -> list[tuple]:
    """(item_id, prediction_id, item done, reviewer, scorer, value_json) of each reviewer's
    latest answer to each item of the queue (skips left out), one row per scorer, in no
    particular order (sorting tens of thousands of rows costs more than reading them).

    Read on the driver's cursor: a queue of 10,000 items has tens of thousands of
    answers, and SQLAlchemy's result handling would double the read.
    """
    connection = request_connection()
    params = {"entity": entity, "project": project, "queue_id": queue_id}
    if connection.dialect.name == "sqlite":
        return _joined(connection, params)
    return _LOOKED_UP.all(connection, params)


def _joined(connection, params: dict) -> list[tuple]:
    """answer_values by one join (SQLite): of the scores the join finds, those the answer
    names (not the reviewer's answers to the same prediction in another queue), the
    newest per (item, reviewer, scorer): the latest round's."""
    latest: dict[tuple[int, str, str], tuple] = {}
    for row in _JOINED.all(connection, params):
        if row[6] not in row[7]:  # a UUID's text in the answer's JSON list of score ids
            continue
        key = (row[0], row[3], row[4])
        if key not in latest or latest[key][6] < row[6]:
            latest[key] = row
    return [row[:6] for row in latest.values()]


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
