"""Evaluation runs: one model evaluated on one evaluation's dataset."""

from datetime import datetime

from sqlalchemy import PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import UTCDateTime
from app.validation import ID_MAX_LENGTH, PATH_SEGMENT_MAX_LENGTH, REF_MAX_LENGTH

RUNNING, FINISHED = "running", "finished"


class EvaluationRun(db.Model):
    __tablename__ = "evaluation_runs"

    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    project: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    # A UUIDv7 string made by the server: sorting by id sorts by creation.
    id: Mapped[str] = mapped_column(String(36))
    evaluation: Mapped[str] = mapped_column(String(REF_MAX_LENGTH))
    model: Mapped[str] = mapped_column(String(REF_MAX_LENGTH))
    source_evaluation_run_id: Mapped[str | None] = mapped_column(String(ID_MAX_LENGTH))
    status: Mapped[str] = mapped_column(String(16))
    # The summary as compact JSON text, exactly as it will be returned.
    summary_json: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (PrimaryKeyConstraint("entity", "project", "id"),)
