"""Tables of the peer: users, their API keys (hashes only), scores, evaluation runs and
predictions."""

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bench.peer.database import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    grants: Mapped[list["EntityGrant"]] = relationship()


class EntityGrant(Base):
    __tablename__ = "entity_grants"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    entity: Mapped[str] = mapped_column(String(128), primary_key=True)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user: Mapped[User] = relationship(lazy="joined")


class Score(Base):
    __tablename__ = "scores"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(128))
    project: Mapped[str] = mapped_column(String(128))
    prediction_id: Mapped[str] = mapped_column(String(256))
    scorer: Mapped[str] = mapped_column(String(1024))
    value: Mapped[object] = mapped_column(JSON)
    evaluation_run_id: Mapped[str | None] = mapped_column(String(256))
    wb_user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # The two queries the routes run: a project's scores by id, optionally of one run.
    __table_args__ = (
        Index("ix_scores_project_id", "entity", "project", "id"),
        Index("ix_scores_project_run", "entity", "project", "evaluation_run_id", "id"),
    )


class EvaluationRun(Base):
    __tablename__ = "evaluation_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(128))
    project: Mapped[str] = mapped_column(String(128))
    evaluation: Mapped[str] = mapped_column(String(1024))
    model: Mapped[str] = mapped_column(String(1024))
    source_evaluation_run_id: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16), default="running")
    summary: Mapped[object | None] = mapped_column(JSON)
    wb_user_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_evaluation_runs_project_id", "entity", "project", "id"),)


class Prediction(Base):
    __tablename__ = "predictions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(128))
    project: Mapped[str] = mapped_column(String(128))
    model: Mapped[str] = mapped_column(String(1024))
    inputs: Mapped[object] = mapped_column(JSON)
    output: Mapped[object] = mapped_column(JSON)
    evaluation_run_id: Mapped[str | None] = mapped_column(String(256))
    genai_span_ref: Mapped[object | None] = mapped_column(JSON)
    wb_user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # A run's predictions in order, as its list would read them.
    __table_args__ = (
        Index("ix_predictions_project_run", "entity", "project", "evaluation_run_id", "id"),
    )
