"""How many deletions each project has seen: the check that cached list positions still hold."""

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.validation import PATH_SEGMENT_MAX_LENGTH


class ProjectChange(db.Model):
    __tablename__ = "project_changes"

    entity: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH), primary_key=True)
    project: Mapped[str] = mapped_column(String(PATH_SEGMENT_MAX_LENGTH), primary_key=True)
    # Bumped in the same transaction as every delete of the project's scores.
    deletions: Mapped[int] = mapped_column(BigInteger, default=0)
