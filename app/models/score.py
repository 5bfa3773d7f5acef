"""Scores: one scorer's output for one prediction."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import UTCDateTime
from app.validation import ID_MAX_LENGTH, PATH_SEGMENT_MAX_LENGTH, SCORER_MAX_LENGTH

# Where a score came from: the API, a person's form, or an answer in a review queue.
QUEUE_SOURCE = "queue"
SOURCES = ("api", "ui", QUEUE_SOURCE)


class Score(db.Model):
    __tablename__ = "scores"

    # A UUIDv7 string: sorting by id sorts by creation time.
    id: Mapped[str] = mapped_column(String(36))
    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    project: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    prediction_id: Mapped[str] = mapped_column(String(ID_MAX_LENGTH))
    scorer: Mapped[str] = mapped_column(String(SCORER_MAX_LENGTH))
    # A short digest of scorer: a btree cannot index a 1024-character
    # multibyte scorer on PostgreSQL (index rows are capped near 2.7 kB).
    scorer_digest: Mapped[str] = mapped_column(String(32))
    # The value as compact JSON text, exactly as it will be returned: text
    # round-trips big integers, 0.1 and "\u0000" on every database.
    value_json: Mapped[str] = mapped_column(Text)
    evaluation_run_id: Mapped[str | None] = mapped_column(String(ID_MAX_LENGTH))
    created_by: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The version of its scorer's config the value was checked against, if any.
    scorer_config_version: Mapped[int | None] = mapped_column(Integer)
    # What the person who scored by hand had to say (the API's create takes none).
    comment: Mapped[str | None] = mapped_column(Text)
    # PostgreSQL: the transaction that stored it, so its statistics can be folded in after
    # it (app/storage/score_folds.py, which also indexes it). Null on SQLite, and for rows
    # already counted.
    txid: Mapped[int | None] = mapped_column(BigInteger)

    # Every index, the key included, starts with the project: with an index
    # on id alone, PostgreSQL walks id order for "newest of this project"
    # and steps over every newer score of other projects first.
    __table_args__ = (
        PrimaryKeyConstraint("entity", "project", "id"),
        Index("ix_scores_project_run", "entity", "project", "evaluation_run_id", "id"),
        Index("ix_scores_project_prediction", "entity", "project", "prediction_id", "id"),
        Index("ix_scores_project_scorer", "entity", "project", "scorer_digest", "id"),
    )
