"""Concurrent writers queue on the database instead of failing."""

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event

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


def test_sqlite_writes_take_the_write_lock_up_front(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("BEGIN IMMEDIATE is SQLite's; PostgreSQL locks rows, not the file")
    from app.services import scores
    from app.validation import validate_score

    statements = []
    with app.app_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            fields = validate_score(score_body())
            scores.create_score("team", "proj", fields, "someone")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert statements[0] == "BEGIN IMMEDIATE"


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
