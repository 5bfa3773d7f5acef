"""Migrations: upgrade from empty reaches the models exactly, and downgrade reaches base."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def flask(*args, database_url: str, instance: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": instance, "SECRET_KEY": "x"}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path, worker_id):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    base = make_url(PG_URL.replace("postgres://", "postgresql://", 1)).set(
        drivername="postgresql+psycopg"
    )
    name = f"{base.database}_migrate_{worker_id}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def tables(url: str) -> set[str]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_check_downgrade(empty_database, tmp_path):
    instance = str(tmp_path / "instance")
    upgraded = flask("db", "upgrade", database_url=empty_database, instance=instance)
    assert upgraded.returncode == 0, upgraded.stderr
    assert {"scores", "users", "api_keys", "entity_grants"} <= tables(empty_database)

    checked = flask("db", "check", database_url=empty_database, instance=instance)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr

    downgraded = flask("db", "downgrade", "base", database_url=empty_database, instance=instance)
    assert downgraded.returncode == 0, downgraded.stderr
    assert tables(empty_database) <= {"alembic_version"}


SCORE_ROWS = [
    {"id": f"0190000{n}-0000-7000-8000-000000000000", "project": project}
    for n, project in enumerate(["old", "old", "new", "new"])
]


def _insert_scores(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    insert = text(
        "INSERT INTO scores (id, entity, project, prediction_id, scorer, scorer_digest,"
        " value_json, evaluation_run_id, created_by, source, created_at)"
        " VALUES (:id, 'team', :project, 'p', 's', 'd', '1', NULL, 'u', 'api', :at)"
    )
    try:
        with engine.begin() as conn:
            conn.execute(insert, [{**row, "at": "2026-12-03 00:00:00+00:00"} for row in SCORE_ROWS])
    finally:
        engine.dispose()


def _scores_shape(url: str) -> tuple[list, list, list]:
    """Stored (project, id) pairs, the key's columns, and each index's columns."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT project, id FROM scores ORDER BY id")).all()
        inspector = inspect(engine)
        key = inspector.get_pk_constraint("scores")["constrained_columns"]
        indexes = [index["column_names"] for index in inspector.get_indexes("scores")]
        return [tuple(row) for row in stored], key, indexes
    finally:
        engine.dispose()


def test_keying_scores_by_project_keeps_every_score_both_ways(empty_database, tmp_path):
    instance = str(tmp_path / "instance")
    before = flask("db", "upgrade", "0003", database_url=empty_database, instance=instance)
    assert before.returncode == 0, before.stderr
    _insert_scores(empty_database)
    expected = [(row["project"], row["id"]) for row in SCORE_ROWS]

    upgraded = flask("db", "upgrade", database_url=empty_database, instance=instance)
    assert upgraded.returncode == 0, upgraded.stderr
    stored, key, indexes = _scores_shape(empty_database)
    assert stored == expected
    assert key == ["entity", "project", "id"]
    # No index leads with id, so no plan can walk all projects in id order.
    assert all(columns[:2] == ["entity", "project"] for columns in indexes)
    assert ["entity", "project", "id"] not in indexes  # the key took its place

    downgraded = flask("db", "downgrade", "0003", database_url=empty_database, instance=instance)
    assert downgraded.returncode == 0, downgraded.stderr
    stored, key, indexes = _scores_shape(empty_database)
    assert stored == expected
    assert key == ["id"]
    assert ["entity", "project", "id"] in indexes


def _execute(url: str, statement: str) -> list[tuple]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def test_key_labels_keep_every_key_both_ways(empty_database, tmp_path):
    instance = str(tmp_path / "instance")
    before = flask("db", "upgrade", "0004", database_url=empty_database, instance=instance)
    assert before.returncode == 0, before.stderr
    _execute(
        empty_database,
        "INSERT INTO users (id, username, password_hash, is_admin, created_at, session_token)"
        " VALUES (1, 'u', 'h', false, '2026-12-06 00:00:00+00:00', 't')",
    )
    _execute(
        empty_database,
        "INSERT INTO api_keys (id, user_id, prefix, key_hash, created_at)"
        " VALUES (1, 1, 'sk_abcdefghi', 'hash', '2026-12-06 00:00:00+00:00')",
    )

    upgraded = flask("db", "upgrade", database_url=empty_database, instance=instance)
    assert upgraded.returncode == 0, upgraded.stderr
    assert _execute(empty_database, "SELECT prefix, label FROM api_keys") == [
        ("sk_abcdefghi", None)
    ]
    _execute(empty_database, "UPDATE api_keys SET label = 'CI'")

    downgraded = flask("db", "downgrade", "0004", database_url=empty_database, instance=instance)
    assert downgraded.returncode == 0, downgraded.stderr
    assert _execute(empty_database, "SELECT prefix, key_hash FROM api_keys") == [
        ("sk_abcdefghi", "hash")
    ]


def _scores_storage(url: str) -> object:
    """Where the scores table's rows live: SQLite's root page, PostgreSQL's file node.

    A table rewritten (copied, as batch mode may do on SQLite) gets a new one.
    """
    if url.startswith("sqlite"):
        return _execute(url, "SELECT rootpage FROM sqlite_master WHERE name = 'scores'")
    return _execute(url, "SELECT relfilenode FROM pg_class WHERE relname = 'scores'")


def test_comments_are_added_to_scores_in_place_and_removed_keeping_them(empty_database, tmp_path):
    instance = str(tmp_path / "instance")
    before = flask("db", "upgrade", "0010", database_url=empty_database, instance=instance)
    assert before.returncode == 0, before.stderr
    _insert_scores(empty_database)
    where = _scores_storage(empty_database)

    upgraded = flask("db", "upgrade", "0011", database_url=empty_database, instance=instance)
    assert upgraded.returncode == 0, upgraded.stderr
    assert _scores_storage(empty_database) == where  # ALTER TABLE ADD COLUMN, not a copy
    assert _execute(empty_database, "SELECT id, comment FROM scores ORDER BY id") == [
        (row["id"], None) for row in SCORE_ROWS
    ]

    downgraded = flask("db", "downgrade", "0010", database_url=empty_database, instance=instance)
    assert downgraded.returncode == 0, downgraded.stderr
    assert _execute(empty_database, "SELECT id FROM scores ORDER BY id") == [
        (row["id"],) for row in SCORE_ROWS
    ]
