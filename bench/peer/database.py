"""Engine and sessions: one sync Session per request, SQLite tuned like our service."""

import os

from sqlalchemy import create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

# Same as app/database.py, so both servers wait on a locked database alike.
SQLITE_BUSY_TIMEOUT_MS = 30_000


class Base(DeclarativeBase):
    pass


def database_url() -> str:
    """PEER_DATABASE_URL, with plain postgresql:// URLs mapped to psycopg 3."""
    url = os.environ.get("PEER_DATABASE_URL", "sqlite:///peer.db")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str):
    """An engine; on SQLite, WAL with the busy timeout and synchronous level ours uses."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    # FastAPI runs sync endpoints in a thread pool (the FastAPI SQL tutorial's setting).
    engine = create_engine(url, connect_args={"check_same_thread": False}, pool_pre_ping=True)
    synchronous = os.environ.get("SQLITE_SYNCHRONOUS", "FULL").upper()

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    return engine


engine = make_engine(database_url())
SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)


def get_db():
    """The request's session (a FastAPI dependency)."""
    with SessionLocal() as session:
        yield session
