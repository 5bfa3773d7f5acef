"""Whether the service can do its work: what /health reports."""

from app import storage


def database_problem() -> str | None:
    """Why the database cannot take reads and writes now, or None when it can."""
    return storage.database_problem()
