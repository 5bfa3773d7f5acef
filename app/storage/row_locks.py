"""Rows that concurrent requests must read and change one at a time: made if
missing and locked until the transaction ends.

On SQLite a write transaction already holds the whole database (BEGIN
IMMEDIATE, behind the writer lock); on PostgreSQL the rows are locked
FOR UPDATE, so a second transaction waits and then reads the first one's
count instead of its own stale copy.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.models import SignInAttempts
from app.storage.engine import is_postgresql


def locked_sign_in_attempts(
    session: Session, key_hashes: Sequence[str], now: datetime
) -> list[SignInAttempts]:
    """The attempt counts of these keys (new ones at zero), locked; call in write_transaction()."""
    insert = pg_insert if is_postgresql(session.get_bind()) else sqlite_insert
    fresh = [{"key_hash": key, "failures": 0, "last_at": now} for key in key_hashes]
    session.execute(insert(SignInAttempts).values(fresh).on_conflict_do_nothing())
    query = (
        select(SignInAttempts)
        .where(SignInAttempts.key_hash.in_(key_hashes))
        .order_by(SignInAttempts.key_hash)  # one lock order, so two attempts cannot deadlock
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(query))


def forget_sign_in_attempts(session: Session, before: datetime) -> None:
    """Drop the counts last changed before a moment."""
    session.execute(delete(SignInAttempts).where(SignInAttempts.last_at < before))
