"""Request threads per worker process: one default, read by gunicorn's settings
(gunicorn_conf.py) and by the app, which sizes its PostgreSQL pool to them."""

import os


def default_web_threads(database_url: str) -> int:
    """Request threads per worker when WEB_THREADS is not set: 32 on SQLite, 16 on PostgreSQL.

    A worker's concurrent creates share one batch, so more threads mean
    bigger batches on SQLite; on PostgreSQL each thread may hold two pooled
    connections, and 16 keeps two workers within the server's default limit
    of 100 (bench/README.md#thread-counts).
    """
    return 16 if database_url.strip().startswith("postgres") else 32


def web_threads(database_url: str) -> int:
    """Request threads per worker process, as the gunicorn settings run them."""
    return int(os.environ.get("WEB_THREADS") or default_web_threads(database_url))
