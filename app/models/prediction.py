"""Predictions: what a model answered for one row of a dataset, with that row as inputs."""

from datetime import datetime

from sqlalchemy import Index, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import UTCDateTime
from app.validation import ID_MAX_LENGTH, PATH_SEGMENT_MAX_LENGTH, REF_MAX_LENGTH


class Prediction(db.Model):
    __tablename__ = "predictions"

    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    project: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH))
    # A UUIDv7 string made by the server: sorting by id sorts by creation.
    id: Mapped[str] = mapped_column(String(36))
    evaluation_run_id: Mapped[str | None] = mapped_column(String(ID_MAX_LENGTH))
    model: Mapped[str] = mapped_column(String(REF_MAX_LENGTH))
    # Inputs and output as compact JSON text, exactly as they will be returned.
    inputs_json: Mapped[str] = mapped_column(Text)
    output_json: Mapped[str] = mapped_column(Text)
    # SHA-256 of the inputs' canonical JSON: the same dataset row in every run.
    row_digest: Mapped[str] = mapped_column(String(64))
    genai_span_ref_json: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        PrimaryKeyConstraint("entity", "project", "id"),
        Index("ix_predictions_project_run", "entity", "project", "evaluation_run_id", "id"),
        Index("ix_predictions_project_row", "entity", "project", "row_digest", "id"),
    )
