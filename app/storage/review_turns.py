"""A reviewer's turn at a queue: the next item they may take, holding it, answering or
skipping it, and sending items back for another round.

"Next item" walks ix_review_queue_items_open (queue, done, id) from the
reviewer's place: the open items after the last one they answered. Taking a
hold is a conditional INSERT that counts the item's reviews and live holds;
on PostgreSQL the item's row is locked first (SELECT ... FOR UPDATE) so two
reviewers cannot both count the same free place; SQLite runs one writer at a
time, so its count is never stale.
"""

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from app.models import ReviewAnswer, ReviewHold, ReviewQueueItem
from app.storage.transactions import core_write, request_connection


def _answered_by(reviewer: str):
    """Whether the reviewer answered or skipped the outer query's item in its round."""
    return exists().where(
        ReviewAnswer.item_id == ReviewQueueItem.id,
        ReviewAnswer.reviewer == reviewer,
        ReviewAnswer.round == ReviewQueueItem.round,
    )


def _held_by_others(reviewer: str, now: datetime):
    """How many live holds others have on the outer query's item."""
    return (
        select(func.count())
        .where(
            ReviewHold.item_id == ReviewQueueItem.id,
            ReviewHold.reviewer != reviewer,
            ReviewHold.expires_at > now,
        )
        .scalar_subquery()
    )


def last_answered(queue_id: int, reviewer: str) -> int:
    """The id of the last item the reviewer answered or skipped in the queue; 0 for none."""
    query = select(func.max(ReviewAnswer.item_id)).where(
        ReviewAnswer.queue_id == queue_id, ReviewAnswer.reviewer == reviewer
    )
    return request_connection().execute(query).scalar() or 0


def open_items(
    queue_id: int, reviewer: str, needed: int, now: datetime, after: int, limit: int = 5
) -> Sequence:
    """(id, prediction_id, round) of the first open items after `after` that the reviewer has
    not answered or skipped this round and that others' holds leave room in."""
    query = (
        select(ReviewQueueItem.id, ReviewQueueItem.prediction_id, ReviewQueueItem.round)
        .where(
            ReviewQueueItem.queue_id == queue_id,
            ReviewQueueItem.done.is_(False),
            ReviewQueueItem.id > after,
            ~_answered_by(reviewer),
            ReviewQueueItem.reviews_done + _held_by_others(reviewer, now) < needed,
        )
        .order_by(ReviewQueueItem.id)
        .limit(limit)
    )
    return request_connection().execute(query).all()


def _insert(connection: Connection):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(ReviewHold)


def take_hold(
    item_id: int, reviewer: str, needed: int, now: datetime, expires_at: datetime
) -> bool:
    """Hold the item for the reviewer until expires_at if a review of it is still free (or
    they hold it already); False when another reviewer got there first."""
    with core_write() as connection:
        # Serialises takers of this item on PostgreSQL; SQLite has one writer already.
        item = connection.execute(
            select(ReviewQueueItem.round).where(ReviewQueueItem.id == item_id).with_for_update()
        ).one_or_none()
        if item is None:
            return False
        connection.execute(
            delete(ReviewHold).where(ReviewHold.item_id == item_id, ReviewHold.expires_at <= now)
        )
        free = (
            select(
                literal(item_id), literal(reviewer), literal(expires_at, ReviewHold.expires_at.type)
            )
            .select_from(ReviewQueueItem)
            .where(
                ReviewQueueItem.id == item_id,
                ReviewQueueItem.done.is_(False),
                ~_answered_by(reviewer),
                ReviewQueueItem.reviews_done + _held_by_others(reviewer, now) < needed,
            )
        )
        statement = _insert(connection).from_select(["item_id", "reviewer", "expires_at"], free)
        statement = statement.on_conflict_do_update(
            index_elements=["item_id", "reviewer"], set_={"expires_at": expires_at}
        )
        taken = connection.execute(statement.returning(ReviewHold.item_id)).all()
        return len(taken) == 1


def holds(item_id: int, reviewer: str, now: datetime) -> bool:
    """Whether the reviewer has a live hold on the item."""
    query = select(ReviewHold.item_id).where(
        ReviewHold.item_id == item_id, ReviewHold.reviewer == reviewer, ReviewHold.expires_at > now
    )
    return request_connection().execute(query).first() is not None


def read_item(queue_id: int, item_id: int):
    """(id, prediction_id, round, reviews_done, done) of the queue's item, or None."""
    query = select(
        ReviewQueueItem.id,
        ReviewQueueItem.prediction_id,
        ReviewQueueItem.round,
        ReviewQueueItem.reviews_done,
        ReviewQueueItem.done,
    ).where(ReviewQueueItem.id == item_id, ReviewQueueItem.queue_id == queue_id)
    return request_connection().execute(query).one_or_none()


def record_answer(
    queue_id: int,
    item_id: int,
    round_: int,
    reviewer: str,
    score_ids: list[str] | None,
    needed: int,
    now: datetime,
) -> bool:
    """Record that the reviewer answered (score_ids) or skipped (None) the item in its round,
    counting a review and letting go of the hold; False if they had already."""
    with core_write() as connection:
        answer = {
            "item_id": item_id,
            "reviewer": reviewer,
            "round": round_,
            "queue_id": queue_id,
            "skipped": score_ids is None,
            "score_ids_json": None if score_ids is None else json.dumps(score_ids),
            "answered_at": now,
        }
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        inserted = connection.execute(
            dialect.insert(ReviewAnswer)
            .values(answer)
            .on_conflict_do_nothing()
            .returning(ReviewAnswer.item_id)
        ).all()
        connection.execute(
            delete(ReviewHold).where(ReviewHold.item_id == item_id, ReviewHold.reviewer == reviewer)
        )
        if inserted and score_ids is not None:
            connection.execute(
                update(ReviewQueueItem)
                .where(ReviewQueueItem.id == item_id, ReviewQueueItem.round == round_)
                .values(
                    reviews_done=ReviewQueueItem.reviews_done + 1,
                    done=ReviewQueueItem.reviews_done + 1 >= needed,
                )
            )
        return bool(inserted)


def has_answered(item_id: int, reviewer: str) -> bool:
    """Whether the reviewer answered (not skipped) the item in any round."""
    query = select(ReviewAnswer.item_id).where(
        ReviewAnswer.item_id == item_id,
        ReviewAnswer.reviewer == reviewer,
        ReviewAnswer.skipped.is_(False),
    )
    return request_connection().execute(query).first() is not None


def send_back(queue_id: int, item_ids: Sequence[int]) -> int:
    """Start another round of the items: everyone may review them again; return how many."""
    with core_write() as connection:
        chosen = and_(ReviewQueueItem.queue_id == queue_id, ReviewQueueItem.id.in_(item_ids))
        connection.execute(
            delete(ReviewHold).where(
                ReviewHold.item_id.in_(select(ReviewQueueItem.id).where(chosen))
            )
        )
        sent = update(ReviewQueueItem).where(chosen)
        return len(
            connection.execute(
                sent.values(round=ReviewQueueItem.round + 1, reviews_done=0, done=False).returning(
                    ReviewQueueItem.id
                )
            ).all()
        )
