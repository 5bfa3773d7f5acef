"""Review queues: predictions put before people, each to be answered by a few reviewers."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import UTCDateTime
from app.validation import ID_MAX_LENGTH, PATH_SEGMENT_MAX_LENGTH, QUEUE_NAME_MAX_LENGTH


class ReviewQueue(db.Model):
    __tablename__ = "review_queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    project: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    name: Mapped[str] = mapped_column(String(QUEUE_NAME_MAX_LENGTH))
    # The scorers whose configs make the review form, as a JSON list of names, in order.
    scorers_json: Mapped[str] = mapped_column(Text)
    reviewers_per_item: Mapped[int] = mapped_column(Integer)
    blind: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_review_queues_project", "entity", "project", "id"),)


class ReviewQueueItem(db.Model):
    """One prediction of a queue; `done` once it has all the reviews its queue asks for."""

    __tablename__ = "review_queue_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("review_queues.id", ondelete="CASCADE"))
    prediction_id: Mapped[str] = mapped_column(String(ID_MAX_LENGTH))
    # Sending an item back starts a new round: everyone may review it again.
    round: Mapped[int] = mapped_column(Integer)
    reviews_done: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("queue_id", "prediction_id"),
        # "The next item for a reviewer" walks the open items of a queue in order.
        Index("ix_review_queue_items_open", "queue_id", "done", "id"),
    )


class ReviewHold(db.Model):
    """A reviewer has an item open: it counts as a review to come until it expires."""

    __tablename__ = "review_holds"

    item_id: Mapped[int] = mapped_column(ForeignKey("review_queue_items.id", ondelete="CASCADE"))
    reviewer: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (PrimaryKeyConstraint("item_id", "reviewer"),)


class ReviewAnswer(db.Model):
    """A reviewer answered (score_id set) or skipped an item in a round."""

    __tablename__ = "review_answers"

    item_id: Mapped[int] = mapped_column(ForeignKey("review_queue_items.id", ondelete="CASCADE"))
    reviewer: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer)
    queue_id: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[bool] = mapped_column(Boolean)
    # The scores of an answer, as a JSON list of score ids (one per scorer of the queue).
    score_ids_json: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        PrimaryKeyConstraint("item_id", "reviewer", "round"),
        # Progress per reviewer, and where a reviewer got to in a queue.
        Index("ix_review_answers_reviewer", "queue_id", "reviewer", "item_id"),
    )
