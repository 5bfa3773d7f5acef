"""The database file: private, still the one opened, and /health says when it is not."""

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from app.extensions import db
from tests.builders import basic, make_api_user, post_score, score_body

URL = "/v2/team/proj/scores"


@pytest.fixture
def sqlite_app(make_app, tmp_path):
    """The app on a SQLite file that does not exist until the app makes it."""
    return make_app(f"sqlite:///{tmp_path / 'scores.db'}")


def _path(app) -> Path:
    return Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


def test_the_database_file_and_its_companions_are_private(sqlite_app):
    client = sqlite_app.test_client()
    _user, key = make_api_user(sqlite_app)
    post_score(client, key)
    path = _path(sqlite_app)
    companions = [path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", ".writelock"))]
    for made in companions:
        assert made.exists(), made
        assert stat.S_IMODE(made.stat().st_mode) & 0o077 == 0, (made, oct(made.stat().st_mode))


def test_writes_after_the_database_file_was_deleted_are_never_acknowledged(sqlite_app):
    client = sqlite_app.test_client()
    _user, key = make_api_user(sqlite_app)
    post_score(client, key)
    path = _path(sqlite_app)
    for made in path.parent.glob(f"{path.name}*"):
        made.unlink()
    for headers in (basic(key), {**basic(key), "Idempotency-Key": "after-rm"}):
        response = client.post(URL, json=score_body(), headers=headers)
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json() == {"detail": "Database unavailable"}
    assert not path.exists()  # no new empty database in its place
    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "detail": "Database file is missing"}


def test_health_says_when_the_database_has_no_tables(app):
    with app.app_context():
        db.drop_all()
    try:
        health = app.test_client().get("/health")
        assert health.status_code == 503
        assert "no tables" in health.get_json()["detail"]
    finally:
        with app.app_context():
            engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
            db.metadata.create_all(engine)  # PostgreSQL's tables outlive this test
            engine.dispose()


def test_a_writer_lock_that_cannot_be_opened_is_a_503_and_unhealthy(make_app, tmp_path):
    # A database made while its directory was writable...
    first = make_app(f"sqlite:///{tmp_path / 'first.db'}")
    _user, key = make_api_user(first)
    with first.app_context():
        db.engine.dispose()  # the last connection folds the WAL into the file
    shutil.copyfile(tmp_path / "first.db", tmp_path / "scores.db")
    # ...served where the lock file cannot be opened for writing: as in a
    # read-only directory, which root (running CI) would not feel.
    (tmp_path / "scores.db.writelock").mkdir()
    application = make_app(f"sqlite:///{tmp_path / 'scores.db'}")
    client = application.test_client()
    for headers in (basic(key), {**basic(key), "Idempotency-Key": "locked"}):
        response = client.post(URL, json=score_body(), headers=headers)
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json() == {"detail": "Database unavailable"}
    with sqlite3.connect(tmp_path / "scores.db") as connection:
        assert connection.execute("SELECT count(*) FROM scores").fetchone() == (0,)
    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json()["detail"].startswith("Writer lock cannot be opened")


def test_health_says_when_the_disk_is_full(sqlite_app, monkeypatch):
    # Filling a real disk is out of a test's reach: ask for one byte more than is free.
    from app.storage import sqlite_file

    space = os.statvfs(_path(sqlite_app).parent)
    monkeypatch.setattr(sqlite_file, "MIN_FREE_BYTES", space.f_bavail * space.f_frsize + 1)
    health = sqlite_app.test_client().get("/health")
    assert (health.status_code, health.get_json()["detail"]) == (503, "Disk full")
