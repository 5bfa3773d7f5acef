"""Users of the service and the entities each may use."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ColumnElement, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import UTCDateTime, utcnow
from app.validation import PATH_SEGMENT_MAX_LENGTH


def may_use_entity(is_admin: bool, holds_grant: bool) -> bool:
    """Who may read and write an entity's data: an admin, or a user granted the entity.

    The one statement of the rule; may_use_entity_clause is its SQL form.
    """
    return is_admin or holds_grant


def may_use_entity_clause(is_admin, granted_entity) -> ColumnElement[bool]:
    """may_use_entity in SQL, over a row that outer-joined the grant for the entity asked for."""
    return is_admin | granted_entity.is_not(None)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grants: Mapped[list["EntityGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def entities(self) -> list[str]:
        """The entity names granted to this user, sorted."""
        return sorted(grant.entity for grant in self.grants)

    def may_use(self, entity: str) -> bool:
        """Whether this user may read and write scores of the entity."""
        return may_use_entity(self.is_admin, any(grant.entity == entity for grant in self.grants))

    # The id of the signed-in session this object was loaded for
    # (services/user_sessions.py): not a column, so the ORM must skip it.
    __allow_unmapped__ = True
    session_id: str | None = None

    def get_id(self) -> str:
        # Flask-Login keeps this in the session cookie; the session must
        # also still be in user_sessions (services/sessions.py).
        return f"{self.id}:{self.session_id}"


class EntityGrant(db.Model):
    __tablename__ = "entity_grants"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH), primary_key=True)

    user: Mapped[User] = relationship(back_populates="grants")
