"""Review queues and their items: create, read, change and delete queues; add predictions in
bulk (never twice, only the project's own) and remove them; count progress.

Items are added with INSERT ... SELECT from the project's predictions, so an
id that is not a prediction of the queue's project never gets in, and ON
CONFLICT DO NOTHING on (queue, prediction) drops the ones already there.
Counts of rows written come from RETURNING: the request connection's cursor
does not report a rowcount on every driver.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from app.models import Prediction, ReviewAnswer, ReviewHold, ReviewQueue, ReviewQueueItem
from app.storage.transactions import core_write, request_connection

# Ids per statement: far below either database's limit on bound parameters.
CHUNK = 2000


def insert_queue(row: dict) -> int:
    """Store a new queue's row; return its id."""
    with core_write() as connection:
        return connection.execute(
            insert(ReviewQueue).values(row).returning(ReviewQueue.id)
        ).scalar_one()


def read_queue(entity: str, project: str, queue_id: int):
    """The queue's row if it belongs to the project, else None."""
    query = select(ReviewQueue).where(
        ReviewQueue.id == queue_id, ReviewQueue.entity == entity, ReviewQueue.project == project
    )
    return request_connection().execute(query).one_or_none()


def list_queues(entity: str, project: str) -> Sequence:
    """The project's queues, newest first, each with (items, items done) counts."""
    counts = (
        select(
            ReviewQueueItem.queue_id,
            func.count().label("item_count"),
            func.count().filter(ReviewQueueItem.done).label("done_count"),
        )
        .group_by(ReviewQueueItem.queue_id)
        .subquery()
    )
    query = (
        select(
            ReviewQueue,
            func.coalesce(counts.c.item_count, 0).label("item_count"),
            func.coalesce(counts.c.done_count, 0).label("done_count"),
        )
        .outerjoin(counts, counts.c.queue_id == ReviewQueue.id)
        .where(ReviewQueue.entity == entity, ReviewQueue.project == project)
        .order_by(ReviewQueue.id.desc())
    )
    return request_connection().execute(query).all()


def update_queue(queue_id: int, changes: dict) -> None:
    """Change a queue's settings; items are done again by the number of reviews now asked."""
    with core_write() as connection:
        connection.execute(update(ReviewQueue).where(ReviewQueue.id == queue_id).values(changes))
        if "reviewers_per_item" in changes:
            connection.execute(
                update(ReviewQueueItem)
                .where(ReviewQueueItem.queue_id == queue_id)
                .values(done=ReviewQueueItem.reviews_done >= changes["reviewers_per_item"])
            )


def delete_queue(queue_id: int) -> None:
    """Delete a queue with its items, holds and answers (its scores stay)."""
    with core_write() as connection:
        _delete_items(connection, queue_id, None)
        connection.execute(delete(ReviewQueue).where(ReviewQueue.id == queue_id))


def _insert_ignoring_duplicates(connection: Connection):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(ReviewQueueItem)


def missing_predictions(entity: str, project: str, prediction_ids: Sequence[str]) -> list[str]:
    """The ids that are not predictions of the project, in the order given."""
    wanted = list(dict.fromkeys(prediction_ids))
    found: set[str] = set()
    connection = request_connection()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(
            connection.execute(
                select(Prediction.id).where(
                    Prediction.entity == entity,
                    Prediction.project == project,
                    Prediction.id.in_(chunk),
                )
            ).scalars()
        )
    return [prediction_id for prediction_id in wanted if prediction_id not in found]


def add_items(
    entity: str, project: str, queue_id: int, prediction_ids: Sequence[str], now: datetime
) -> int:
    """Add the project's predictions among the ids to the queue, skipping those it has;
    return how many were added. One transaction, a statement per CHUNK ids."""
    wanted = list(dict.fromkeys(prediction_ids))
    added = 0
    with core_write() as connection:
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows = (
                select(
                    literal(queue_id),
                    Prediction.id,
                    literal(1),
                    literal(0),
                    literal(False),
                    literal(now, ReviewQueueItem.added_at.type),
                )
                .where(
                    Prediction.entity == entity,
                    Prediction.project == project,
                    Prediction.id.in_(chunk),
                )
                .order_by(Prediction.id)
            )  # items numbered in the predictions' creation order
            statement = (
                _insert_ignoring_duplicates(connection)
                .from_select(
                    ["queue_id", "prediction_id", "round", "reviews_done", "done", "added_at"],
                    rows,
                )
                .on_conflict_do_nothing(index_elements=["queue_id", "prediction_id"])
                .returning(ReviewQueueItem.id)
            )
            added += len(connection.execute(statement).all())
    return added


def remove_items(queue_id: int, item_ids: Sequence[int]) -> int:
    """Remove items (with their holds and answers) from the queue; return how many."""
    with core_write() as connection:
        return _delete_items(connection, queue_id, list(item_ids))


def _delete_items(connection: Connection, queue_id: int, item_ids: list[int] | None) -> int:
    chosen = select(ReviewQueueItem.id).where(ReviewQueueItem.queue_id == queue_id)
    if item_ids is not None:
        chosen = chosen.where(ReviewQueueItem.id.in_(item_ids))
    connection.execute(delete(ReviewHold).where(ReviewHold.item_id.in_(chosen)))
    connection.execute(delete(ReviewAnswer).where(ReviewAnswer.item_id.in_(chosen)))
    removed = delete(ReviewQueueItem).where(ReviewQueueItem.queue_id == queue_id)
    if item_ids is not None:
        removed = removed.where(ReviewQueueItem.id.in_(item_ids))
    return len(connection.execute(removed.returning(ReviewQueueItem.id)).all())


def queue_items(queue_id: int, limit: int, after: int = 0) -> Sequence:
    """(id, prediction_id, round, reviews_done, done) of the queue's items in order."""
    query = (
        select(
            ReviewQueueItem.id,
            ReviewQueueItem.prediction_id,
            ReviewQueueItem.round,
            ReviewQueueItem.reviews_done,
            ReviewQueueItem.done,
        )
        .where(ReviewQueueItem.queue_id == queue_id, ReviewQueueItem.id > after)
        .order_by(ReviewQueueItem.id)
        .limit(limit)
    )
    return request_connection().execute(query).all()


def queue_progress(queue_id: int) -> tuple[int, int, Sequence]:
    """(items, items done, [(reviewer, answered, skipped)...]) of the queue."""
    connection = request_connection()
    items, done = connection.execute(
        select(func.count(), func.count().filter(ReviewQueueItem.done)).where(
            ReviewQueueItem.queue_id == queue_id
        )
    ).one()
    reviewers = connection.execute(
        select(
            ReviewAnswer.reviewer,
            func.count().filter(~ReviewAnswer.skipped),
            func.count().filter(ReviewAnswer.skipped),
        )
        .where(ReviewAnswer.queue_id == queue_id)
        .group_by(ReviewAnswer.reviewer)
        .order_by(ReviewAnswer.reviewer)
    ).all()
    return items, done, reviewers


def prediction_ids_of_runs(
    entity: str, project: str, run_ids: Sequence[str], limit: int
) -> list[str]:
    """Up to `limit` ids of the runs' stored predictions, oldest first."""
    query = (
        select(Prediction.id)
        .where(
            Prediction.entity == entity,
            Prediction.project == project,
            Prediction.evaluation_run_id.in_(list(run_ids)),
        )
        .order_by(Prediction.id)
        .limit(limit)
    )
    return list(request_connection().execute(query).scalars())
