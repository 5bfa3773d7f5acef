"""Scorer configs: what a scorer's values look like, versioned, per project and scorer."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import UTCDateTime
from app.validation import PATH_SEGMENT_MAX_LENGTH, SCORER_MAX_LENGTH


class ScorerConfig(db.Model):
    __tablename__ = "scorer_configs"

    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    project: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    # The indexed stand-in for the scorer, as on scores (Score.scorer_digest).
    scorer_digest: Mapped[str] = mapped_column(String(32))
    # 1, then 2, ...: editing keeps every earlier version.
    version: Mapped[int] = mapped_column(Integer)
    scorer: Mapped[str] = mapped_column(String(SCORER_MAX_LENGTH))
    display_name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    direction: Mapped[str | None] = mapped_column(String(8))  # "higher", "lower" or None
    # The JSON Schema of a value, as compact JSON text.
    field_schema_json: Mapped[str] = mapped_column(Text)
    # Set on the latest version to stop the checks; a new version starts them again.
    archived: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (PrimaryKeyConstraint("entity", "project", "scorer_digest", "version"),)


class ScorerConfigGeneration(db.Model):
    """Bumped with every change to a project's configs, in the same transaction.

    Each score write checks that the configs it was validated against are
    still the project's, so a config made by another process is never
    missed (app/storage/row_inserts.py).
    """

    __tablename__ = "scorer_config_generations"

    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    project: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    generation: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (PrimaryKeyConstraint("entity", "project"),)
