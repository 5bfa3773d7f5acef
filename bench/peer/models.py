"""Tables of the peer: users, their API keys (hashes only) and scores."""

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
