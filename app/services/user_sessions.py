"""Signed-in sessions, kept on the server: signing out or changing a password ends them.

The cookie carries 'USER_ID:SESSION_ID' (User.get_id); a session counts only
while its row is in user_sessions. A row per session, not a token per user,
so that signing out on one device leaves the others signed in, and a new
password can end every session but the one that set it.
"""

import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import User, UserSession
from app.models._time import utcnow
from app.storage import could_be_stored, write_transaction


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _oldest_valid():
    # Flask refuses a session cookie signed longer ago than this anyway.
    return utcnow() - current_app.permanent_session_lifetime


def start(user: User) -> None:
    """Record a new session for the user; its id goes into the cookie with login_user(user).

    The user's sessions too old for any cookie to name go, so that browsers
    closed without signing out leave no rows behind for long.
    """
    session_id = secrets.token_urlsafe(32)
    with write_transaction() as session:
        session.execute(
            delete(UserSession).where(
                UserSession.user_id == user.id, UserSession.created_at < _oldest_valid()
            )
        )
        session.add(UserSession(id_hash=_hash(session_id), user_id=user.id))
    user.session_id = session_id


def load(cookie_id: str) -> User | None:
    """The user of a live session named by a cookie's 'USER_ID:SESSION_ID', or None."""
    user_id, _, session_id = cookie_id.partition(":")
    if not (user_id.isdigit() and session_id and could_be_stored(session_id)):
        return None
    query = (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == int(user_id),
            UserSession.id_hash == _hash(session_id),
            UserSession.created_at >= _oldest_valid(),
        )
    )
    user = db.session.scalar(query)
    if user is not None:
        user.session_id = session_id
    return user


def end(user: User) -> None:
    """End the session the user is signed in with."""
    if user.session_id is None:
        return
    with write_transaction() as session:
        session.execute(delete(UserSession).where(UserSession.id_hash == _hash(user.session_id)))


def end_all_in(session: Session, user_id: int, but: str | None = None) -> None:
    """In a write transaction: end every session of a user, except the one with id `but`."""
    condition = UserSession.user_id == user_id
    if but is not None:
        condition &= UserSession.id_hash != _hash(but)
    session.execute(delete(UserSession).where(condition))
