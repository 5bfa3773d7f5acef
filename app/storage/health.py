"""Whether the database can serve now: the health check's question, answered cheaply."""

from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.storage import sqlite_file
from app.storage.engine import is_sqlite, writer_lock_for


def database_problem() -> str | None:
    """Why the database cannot serve reads and writes now, in a few words; None if it can.

    SQLite: the file is still the one opened, writable, on a disk with room,
    and writers can queue. Both: the database answers and has its tables.
    A few stat calls and one catalog query: cheap enough for a load
    balancer's probe every second.
    """
    engine = db.engine
    database = sqlite_file.file_of(engine.url.database) if is_sqlite(engine) else None
    if database is not None:
        lock = writer_lock_for(engine)
        problem = sqlite_file.problem(database) or (lock and lock.problem())
        if problem:
            return problem
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if not inspect(connection).has_table("scores"):
                return "Database has no tables (run flask db upgrade)"
    except DBAPIError as exc:
        return f"Database unavailable ({type(exc.orig or exc).__name__})"
    return None
