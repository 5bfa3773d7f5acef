"""Statistics kept with the scores: per run, scorer and leaf of the value; and predictions per run.

On SQLite written in the same transaction as the scores they count (app/
storage/score_stats.py); on PostgreSQL folded in after the scores'
transactions (app/storage/score_folds.py). Exact at any size either way,
without reading more than the scores not yet folded in.
"""

from sqlalchemy import BigInteger, Boolean, Double, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.validation import ID_MAX_LENGTH, PATH_SEGMENT_MAX_LENGTH, SCORER_MAX_LENGTH


class ScoreStat(db.Model):
    __tablename__ = "score_stats"

    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    project: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    # The run the scores name; '' for scores that name none.
    run_key: Mapped[str] = mapped_column(String(ID_MAX_LENGTH))
    scorer_digest: Mapped[str] = mapped_column(String(32))
    # The leaf's keys as JSON text (app/score_values.py); '' is the value itself.
    path: Mapped[str] = mapped_column(String(512))
    scorer: Mapped[str] = mapped_column(String(SCORER_MAX_LENGTH))
    # Bumped by every change, so a recount can tell whether it raced a write.
    version: Mapped[int] = mapped_column(BigInteger)
    # Set when scores were deleted: min and max cannot be taken back, so the
    # row is counted again from the scores before it is read.
    dirty: Mapped[bool] = mapped_column(Boolean)
    value_count: Mapped[int] = mapped_column(BigInteger)
    numeric_count: Mapped[int] = mapped_column(BigInteger)
    numeric_sum: Mapped[float] = mapped_column(Double)
    numeric_min: Mapped[float | None] = mapped_column(Double)
    numeric_max: Mapped[float | None] = mapped_column(Double)
    bool_count: Mapped[int] = mapped_column(BigInteger)
    true_count: Mapped[int] = mapped_column(BigInteger)
    text_count: Mapped[int] = mapped_column(BigInteger)
    # Leaves past app/score_values.py's limits, counted at the root only.
    skipped_leaves: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        PrimaryKeyConstraint("entity", "project", "run_key", "scorer_digest", "path"),
    )


class FoldHorizon(db.Model):
    """PostgreSQL: how far a project's scores are folded into its score_stats rows.

    Every score stored by a transaction before `horizon` (scores.txid) is
    counted there, and no later one.
    """

    __tablename__ = "fold_horizons"

    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    project: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    horizon: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (PrimaryKeyConstraint("entity", "project"),)


class RunPredictionCount(db.Model):
    __tablename__ = "run_prediction_counts"

    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    project: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    run_key: Mapped[str] = mapped_column(String(ID_MAX_LENGTH))  # '' for none
    predictions: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (PrimaryKeyConstraint("entity", "project", "run_key"),)
