"""Fixtures that run the real service: gunicorn with four workers on a database of its own."""

import json
import os
import secrets
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.durability.server import Server

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# One file per pytest process (xdist workers each write their own).
FIGURES_FILE = Path(f"/tmp/durability-figures{os.environ.get('PYTEST_XDIST_WORKER', '')}.json")
_session_figures: list[dict] = []


@dataclass
class Target:
    """A database the service runs on: its kind, URL and (for SQLite) file."""

    kind: str
    url: str
    sqlite_path: Path | None = None
    key: str = ""  # an admin's API key, made with the CLI

    def checkpoint(self) -> None:
        """Fold SQLite's write-ahead log into the file, so copying the file copies everything."""
        connection = sqlite3.connect(self.sqlite_path)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()

    def integrity_check(self) -> str:
        """SQLite's own verdict on the file ("ok" when sound)."""
        connection = sqlite3.connect(self.sqlite_path)
        try:
            return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
        finally:
            connection.close()


def _admin_url():
    url = make_url(PG_URL.replace("postgres://", "postgresql://", 1))
    return url.set(drivername="postgresql+psycopg")


def _pg_admin(statement: str) -> None:
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _drop_leftovers() -> None:
    """Drop durability databases of pytest processes that died before their teardown."""
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            names = (
                connection.execute(
                    text(
                        r"SELECT datname FROM pg_database WHERE datname LIKE 'test\_durability\_%'"
                    )
                )
                .scalars()
                .all()
            )
            for name in names:
                pid = name.split("_")[2]
                if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _pg_url(name: str) -> str:
    return _admin_url().set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    """Per kind of database, one migrated and provisioned with the real CLI, to be copied.

    Provisioning runs three `flask` processes (seconds each); copying a
    template gives every test the same starting point for a fraction of that.
    """
    made: dict[str, Target] = {}

    def get(kind: str) -> Target:
        if kind not in made:
            workdir = tmp_path_factory.mktemp(f"template-{kind}")
            if kind == "sqlite":
                path = workdir / "scores.db"
                made[kind] = Target(kind, f"sqlite:///{path}", path)
            else:
                name = f"test_durability_{os.getpid()}_template"
                _drop_leftovers()
                _pg_admin(f'CREATE DATABASE "{name}"')
                made[kind] = Target(kind, _pg_url(name))
            made[kind].key = Server(made[kind].url, workdir).provision()
            if kind == "sqlite":
                made[kind].checkpoint()
        return made[kind]

    yield get
    if "postgresql" in made:
        _pg_admin(
            f'DROP DATABASE IF EXISTS "{make_url(made["postgresql"].url).database}" WITH (FORCE)'
        )


@pytest.fixture
def pg_target(templates):
    """A PostgreSQL database made for this test alone from the template, dropped afterwards."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    template = templates("postgresql")
    name = f"test_durability_{os.getpid()}_{secrets.token_hex(3)}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template.url).database}"')
    try:
        yield Target("postgresql", _pg_url(name), key=template.key)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _target_params():
    marks = [] if PG_URL else [pytest.mark.skip(reason="TEST_DATABASE_URL is not set")]
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=marks),
    ]


@pytest.fixture(params=_target_params())
def target(request, tmp_path, templates):
    """The database under test: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_target")
    template = templates("sqlite")
    path = tmp_path / "scores.db"
    shutil.copyfile(template.sqlite_path, path)
    return Target("sqlite", f"sqlite:///{path}", path, key=template.key)


@pytest.fixture
def make_server(tmp_path):
    """Build the service for a target (not started); stop it after the test."""
    servers: list[Server] = []

    def build(database: Target, **options) -> Server:
        server = Server(database.url, tmp_path, **options)
        server.key = database.key
        servers.append(server)
        return server

    yield build
    for server in servers:
        server.stop()


@pytest.fixture
def report(request, tmp_path):
    """Print a test's figures, write them to tmp_path and to FIGURES_FILE for the whole run."""

    def publish(figures: dict) -> None:
        entry = {"test": request.node.nodeid, **figures}
        text_form = json.dumps(entry, indent=2, default=str)
        print(f"\n--- durability figures: {request.node.nodeid}\n{text_form}")
        (tmp_path / "figures.json").write_text(text_form)
        _session_figures.append(entry)
        FIGURES_FILE.write_text(json.dumps(_session_figures, indent=2, default=str))

    return publish


def pytest_terminal_summary(terminalreporter):
    if not _session_figures:
        return
    totals = {
        name: sum(entry.get(name, 0) for entry in _session_figures)
        for name in (
            "requests_sent",
            "faults_injected",
            "scores_checked",
            "predictions_checked",
            "lost",
            "duplicated",
        )
    }
    terminalreporter.write_sep("-", "durability figures")
    for entry in _session_figures:
        terminalreporter.write_line(
            f"{entry['test']}: requests sent {entry.get('requests_sent')}, faults injected "
            f"{entry.get('faults_injected')}, scores checked {entry.get('scores_checked')}, "
            f"predictions checked {entry.get('predictions_checked', 0)}, "
            f"lost {entry.get('lost')}, duplicated {entry.get('duplicated')}"
        )
    terminalreporter.write_line(
        f"total: requests sent {totals['requests_sent']}, faults injected "
        f"{totals['faults_injected']}, scores checked {totals['scores_checked']}, "
        f"predictions checked {totals['predictions_checked']}, lost "
        f"{totals['lost']}, duplicated {totals['duplicated']} (details in {FIGURES_FILE})"
    )
