"""Concurrent writers queue on the database instead of failing."""

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, text

from app.extensions import db
from tests.builders import basic, make_api_user, score_body


def post(url: str, key: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{url}/v2/team/proj/scores",
        data=json.dumps(body).encode(),
        method="POST",
        headers={**basic(key), "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())["score_id"]
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_parallel_creates_all_succeed_exactly_once(app, live_server):
    _user, key = make_api_user(app)
    bodies = [score_body(prediction_id=f"p-{i}", value=i) for i in range(240)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda body: post(live_server, key, body), bodies))
    failures = [result for result in results if result[0] != 200]
    assert failures == []
    with urllib.request.urlopen(
        urllib.request.Request(f"{live_server}/v2/team/proj/scores", headers=basic(key))
    ) as response:
        listed = [json.loads(line) for line in response.read().decode().splitlines()]
    assert sorted(s["score_id"] for s in listed) == sorted(r[1] for r in results)
    assert sorted(s["value"] for s in listed) == list(range(240))


def _trace_sqlite(app) -> list[str]:
    """Every statement SQLite itself runs from now on, on fresh pool connections."""
    statements: list[str] = []
    with app.app_context():
        db.engine.dispose()
        event.listen(
            db.engine,
            "connect",
            lambda dbapi_connection, _record: dbapi_connection.set_trace_callback(
                statements.append
            ),
        )
    return statements


def test_sqlite_writes_take_the_write_lock_up_front(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("BEGIN IMMEDIATE is SQLite's; PostgreSQL locks rows, not the file")
    from app.services import scores
    from app.validation import validate_score

    statements = _trace_sqlite(app)
    with app.app_context():
        fields = validate_score(score_body())
        scores.create_score("team", "proj", fields, "someone")
    transaction = statements[statements.index("BEGIN IMMEDIATE") :]
    # The check that the project's scorer configs are still those the value was
    # checked against, the score, then the statistics kept with it (a row per
    # leaf), in one transaction.
    assert transaction[1].startswith("SELECT scorer_config_generations.generation")
    assert transaction[2].startswith("INSERT INTO scores")
    commit = transaction.index("COMMIT")
    assert commit > 3
    assert all(
        statement.startswith("INSERT INTO score_stats") for statement in transaction[3:commit]
    )


def _spy_on_fdatasync(monkeypatch, lock_path: str) -> list[tuple[str, bool]]:
    """Record (synced file, writer lock free?) for every fdatasync, then really sync."""
    import fcntl
    import os

    real_fdatasync = os.fdatasync
    calls: list[tuple[str, bool]] = []

    def spy(descriptor: int) -> None:
        probe = os.open(lock_path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(probe, fcntl.LOCK_UN)
            lock_free = True
        except BlockingIOError:
            lock_free = False
        finally:
            os.close(probe)
        calls.append((os.readlink(f"/proc/self/fd/{descriptor}"), lock_free))
        real_fdatasync(descriptor)

    monkeypatch.setattr(os, "fdatasync", spy)
    return calls


def test_sqlite_full_syncs_each_commit_after_leaving_the_writer_queue(
    app, database_url, monkeypatch
):
    # SQLITE_SYNCHRONOUS=FULL (the default): SQLite runs NORMAL and the app
    # syncs the WAL itself, once per commit, with the writer lock released.
    if not database_url.startswith("sqlite"):
        pytest.skip("the WAL and its writer lock are SQLite's")
    from app.services import scores
    from app.validation import validate_score

    database = database_url.removeprefix("sqlite:///")
    fields = validate_score(score_body())
    with app.app_context():
        scores.create_score("team", "proj", fields, "someone")  # the WAL exists from here on
        calls = _spy_on_fdatasync(monkeypatch, database + ".writelock")
        for _ in range(3):
            scores.create_score("team", "proj", fields, "someone")
        level = db.session.execute(text("PRAGMA synchronous")).scalar()
    assert calls == [(database + "-wal", True)] * 3
    assert level == 1  # NORMAL: the sync above is the only one


def test_sqlite_commits_outside_the_writer_queue_sync_at_once(app, database_url, monkeypatch):
    # Migrations and other plain SQLAlchemy transactions commit durably too.
    if not database_url.startswith("sqlite"):
        pytest.skip("the WAL is SQLite's")
    database = database_url.removeprefix("sqlite:///")
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch (n INTEGER)"))
        calls = _spy_on_fdatasync(monkeypatch, database + ".writelock")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO scratch VALUES (1)"))
        with db.engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM scratch")).scalar()
    assert calls == [(database + "-wal", True)]


def test_sqlite_writers_queue_on_the_shared_writer_lock(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the writer lock is SQLite's; PostgreSQL locks rows")
    import fcntl
    import os
    import threading

    from app.services import scores
    from app.validation import validate_score

    fields = validate_score(score_body())
    lock_path = database_url.removeprefix("sqlite:///") + ".writelock"
    other_process = os.open(lock_path, os.O_RDWR | os.O_CREAT)  # another open file, as a peer would
    fcntl.flock(other_process, fcntl.LOCK_EX)
    done = threading.Event()

    def write():
        with app.app_context():
            scores.create_score("team", "proj", fields, "someone")
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert not done.wait(0.5), "a write went ahead while another process held the lock"
    finally:
        fcntl.flock(other_process, fcntl.LOCK_UN)
        os.close(other_process)
    writer.join(timeout=30)
    assert done.is_set()
