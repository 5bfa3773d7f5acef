"""flask backup / restore: a consistent copy of a live SQLite database, and back."""

import json
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


# A damaged backup: restore refuses it with one line and leaves the live database as it was.

NEEDLE = b"needle-0020"


@pytest.fixture
def sqlite_app(make_app, tmp_path):
    """The app on a fresh SQLite database: restore is SQLite's (PostgreSQL uses pg_restore)."""
    return make_app(f"sqlite:///{tmp_path / 'scores.db'}")


@pytest.fixture
def live(sqlite_app, tmp_path):
    """Forty scores through the API and a good backup of them: (key, {id: prediction_id}, path)."""
    _user, key = make_api_user(sqlite_app)
    client = sqlite_app.test_client()
    stored = {post_score(client, key, prediction_id=f"needle-{n:04d}"): n for n in range(40)}
    path = tmp_path / "good.db"
    assert run(sqlite_app, "backup", str(path)).exit_code == 0
    return key, {score_id: f"needle-{n:04d}" for score_id, n in stored.items()}, path


def _layout(path) -> tuple[int, set[int]]:
    """A good backup's page size, and the root pages of its indexes."""
    copy = sqlite3.connect(path)
    try:
        page_size = copy.execute("PRAGMA page_size").fetchone()[0]
        query = "SELECT rootpage FROM sqlite_master WHERE type = 'index'"
        return page_size, {root for (root,) in copy.execute(query)}
    finally:
        copy.close()


def _needles(data: bytes, page_size: int) -> list[tuple[int, int]]:
    """(page number, offset in the file) of each copy of NEEDLE: its row and index entries."""
    found, offset = [], data.find(NEEDLE)
    while offset != -1:
        found.append((offset // page_size + 1, offset))
        offset = data.find(NEEDLE, offset + 1)
    return found


def an_index_entry_rewritten(data: bytes, page_size: int, index_roots: set[int]) -> bytes:
    """One byte of an index entry changed: the index no longer matches its table."""
    offset = next(offset for page, offset in _needles(data, page_size) if page in index_roots)
    return data[:offset] + b"X" + data[offset + 1 :]


def junk_over_a_table_page(data: bytes, page_size: int, index_roots: set[int]) -> bytes:
    """The middle half of a page of the scores table overwritten; the header intact."""
    page = next(page for page, _offset in _needles(data, page_size) if page not in index_roots)
    start = (page - 1) * page_size + page_size // 4
    return data[:start] + b"\xa5" * (page_size // 2) + data[start + page_size // 2 :]


DAMAGED = [
    pytest.param(an_index_entry_rewritten, id="corrupt-index-entry"),
    pytest.param(junk_over_a_table_page, id="corrupt-table-page"),
    pytest.param(lambda data, page, _roots: b"", id="truncated-to-nothing"),
    pytest.param(lambda data, page, _roots: data[:50], id="truncated-in-the-header"),
    pytest.param(lambda data, page, _roots: data[:page], id="truncated-to-one-page"),
    pytest.param(
        lambda data, page, _roots: data[: len(data) // page // 2 * page], id="truncated-at-a-page"
    ),
    pytest.param(lambda data, page, _roots: data[: len(data) // 2 + 100], id="truncated-mid-page"),
    pytest.param(lambda data, page, _roots: data[:-page], id="truncated-last-page"),
]


@pytest.mark.parametrize("damage", DAMAGED)
def test_restore_refuses_a_damaged_backup_and_changes_nothing(sqlite_app, live, damage):
    key, stored, good = live
    app, client = sqlite_app, sqlite_app.test_client()
    damaged = good.with_name("damaged.db")
    damaged.write_bytes(damage(good.read_bytes(), *_layout(good)))

    result = run(app, "restore", str(damaged), "--yes")

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # a ClickException, not a traceback
    assert result.output.startswith(("Error: Integrity check failed: ", "Error: Not a backup: "))
    assert "Restored" not in result.output
    listed = client.get("/v2/team/proj/scores", headers=basic(key))
    assert listed.status_code == 200
    lines = [json.loads(line) for line in listed.get_data(as_text=True).splitlines()]
    assert {line["score_id"]: line["prediction_id"] for line in lines} == stored
    post_score(client, key)  # still writable
