"""Users: creation, password checks and entity grants."""

from functools import cache

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import EntityGrant, User
from app.services import user_sessions
from app.services.errors import Conflict, DomainError, NotFound
from app.storage import could_be_stored, write_transaction


def _hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    # Checked against when the username is unknown, so both paths cost one KDF run.
    return generate_password_hash("not a real password", method=method)


def create_user(
    username: str, password: str, is_admin: bool = False, entities: tuple[str, ...] = ()
) -> User:
    """Create a user with a hashed password; raise Conflict if the name is taken."""
    username = username.strip()
    if not username or len(username) > 64:
        raise DomainError("Username must be 1 to 64 characters", field="username")
    if not username.isprintable():
        raise DomainError("Username must not contain control characters", field="username")
    _check_new_password(password)
    with write_transaction() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"User '{username}' already exists", field="username")
        user = User(username=username, password_hash=_hash_password(password), is_admin=is_admin)
        user.grants = [EntityGrant(entity=entity) for entity in dict.fromkeys(entities)]
        session.add(user)
    return user


def count_users() -> int:
    """How many users exist."""
    return db.session.scalar(select(func.count(User.id))) or 0


def find_user(username: str) -> User | None:
    """The user with this name, or None (a name no user can have is looked up as none)."""
    if not could_be_stored(username):
        return None
    return db.session.scalar(select(User).where(User.username == username))


def check_password(username: str, password: str) -> User | None:
    """The user if the password is right, else None; constant work either way."""
    user = find_user(username)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _check_new_password(password: str) -> None:
    if len(password) < 8:
        raise DomainError("Password must be at least 8 characters", field="password")


def set_password(user_id: int, password: str, keep_session: str | None = None) -> None:
    """Give a user a new password and end every session but keep_session (all, if None)."""
    _check_new_password(password)
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("No such user", field="username")
        user.password_hash = _hash_password(password)
        # In the same transaction: no moment with the new password and old sessions.
        user_sessions.end_all_in(session, user_id, but=keep_session)
