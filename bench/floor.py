"""The floor: a bare Flask app doing one durable insert per create, served like ours.

No auth, no validation, no ORM: parse the body, insert one row, commit, answer
the id. A server that commits each score in a transaction of its own pays at
least this: gunicorn, WSGI, Flask routing, a JSON parse and one committed insert
(SQLite: BEGIN IMMEDIATE and a commit under the same pragmas as ours;
PostgreSQL: a round trip per statement and a WAL flush at commit).
Run: FLOOR_DATABASE_URL=sqlite:////tmp/floor.db \\
     gunicorn --workers 2 --threads 8 'bench.floor:create_app()'
"""

import json
import os
import sqlite3
import threading
import uuid

import psycopg
from flask import Flask, Response, request

TABLE = "floor_scores"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id TEXT PRIMARY KEY, entity TEXT NOT NULL, "
    "project TEXT NOT NULL, body TEXT NOT NULL)"
)
# Same as app/database.py and the peer, so all three wait on a locked database alike.
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_PREFIX = "sqlite:///"
# Two workers start at once; concurrent CREATE TABLE IF NOT EXISTS can collide in PostgreSQL.
SCHEMA_LOCK = 4_242_001

Connection = sqlite3.Connection | psycopg.Connection


def create_app() -> Flask:
    """The create route and /health; the table is created here, the connection at first use."""
    url = os.environ.get("FLOOR_DATABASE_URL", SQLITE_PREFIX + "floor.db")
    _create_table(url)
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return Response('{"status":"ok"}', mimetype="application/json")

    @app.post("/v2/<entity>/<project>/scores")
    def create_score(entity: str, project: str):
        """Store the body as it came and answer its new id: 200, or 500 if the insert fails."""
        body = request.get_json()
        score_id = str(uuid.uuid4())
        _insert(_connection(url), (score_id, entity, project, json.dumps(body)))
        return {"score_id": score_id}

    return app


def _open(url: str) -> Connection:
    """A connection in autocommit (SQLite, transactions by hand) or not (PostgreSQL)."""
    if not url.startswith(SQLITE_PREFIX):
        return psycopg.connect(url)
    connection = sqlite3.connect(
        url.removeprefix(SQLITE_PREFIX),
        isolation_level=None,
        timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
    )
    synchronous = os.environ.get("SQLITE_SYNCHRONOUS", "FULL").upper()  # as the peer reads it
    connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    return connection


_per_thread = threading.local()


def _connection(url: str) -> Connection:
    """This thread's one connection, opened at its first request (after gunicorn forked it)."""
    connection = getattr(_per_thread, "connection", None)
    if connection is None:
        connection = _per_thread.connection = _open(url)
    return connection


def _create_table(url: str) -> None:
    connection = _open(url)
    try:
        if isinstance(connection, sqlite3.Connection):
            connection.execute(CREATE_TABLE)
        else:
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            connection.execute(CREATE_TABLE)
            connection.commit()
    finally:
        connection.close()


def _insert(connection: Connection, row: tuple[str, str, str, str]) -> None:
    """One row in its own committed transaction; rolled back if anything fails."""
    if isinstance(connection, sqlite3.Connection):
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?)", row)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return
    try:
        connection.execute(f"INSERT INTO {TABLE} VALUES (%s, %s, %s, %s)", row)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
