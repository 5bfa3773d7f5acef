"""flask backup / restore: a consistent copy of a live SQLite database, and back."""

import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Score
from app.services import scores
from app.validation import validate_score
from tests.builders import basic, make_api_user, post_score


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_backup_while_writing_then_restore(app, client, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        result = run(app, "backup", str(tmp_path / "copy.db"))
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    _user, key = make_api_user(app)
    kept = post_score(client, key, value={"kept": [1, 0.1, "\u0000"]})

    stop = threading.Event()

    def keep_writing():
        with app.app_context():
            fields = validate_score({"prediction_id": "p", "scorer": "s", "value": 1})
            while not stop.is_set():
                scores.create_score("team", "proj", fields, "writer")

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        target = tmp_path / "backup.db"
        result = run(app, "backup", str(target))
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        backed_up = copy.execute("SELECT count(*) FROM scores").fetchone()[0]
    finally:
        copy.close()
    with app.app_context():
        total = db.session.scalar(select(func.count(Score.id)))
    assert 1 <= backed_up <= total

    after_backup = post_score(client, key)
    restored = run(app, "restore", str(target), "--yes")
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Score.id))) == backed_up
    assert client.get(f"/v2/team/proj/scores/{kept}", headers=basic(key)).get_json()["value"] == {
        "kept": [1, 0.1, "\u0000"]
    }
    assert client.get(f"/v2/team/proj/scores/{after_backup}", headers=basic(key)).status_code == 404


def test_restore_refuses_a_missing_file(app, database_url, tmp_path):
    result = run(app, "restore", str(tmp_path / "nope.db"), "--yes")
    assert result.exit_code != 0
    expected = "No backup file" if database_url.startswith("sqlite") else "pg_dump"
    assert expected in result.output


def test_a_restore_is_synced_to_disk(app, client, database_url, tmp_path, monkeypatch):
    if not database_url.startswith("sqlite"):
        pytest.skip("restore is SQLite's; PostgreSQL uses pg_restore")
    import os

    _user, key = make_api_user(app)
    post_score(client, key)
    target = tmp_path / "backup.db"
    assert run(app, "backup", str(target)).exit_code == 0
    real_fdatasync = os.fdatasync
    synced = []

    def spy(descriptor):
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fdatasync(descriptor)

    monkeypatch.setattr(os, "fdatasync", spy)
    assert run(app, "restore", str(target), "--yes").exit_code == 0
    assert database_url.removeprefix("sqlite:///") + "-wal" in synced
