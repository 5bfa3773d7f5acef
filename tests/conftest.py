"""Fixtures: a fresh database per test on SQLite, and on PostgreSQL too; real
credentials through small builders.

PostgreSQL is the server TEST_DATABASE_URL names (CI sets it) or, outside CI,
a server answering on 127.0.0.1:5432 (as PGUSER, by default postgres), in a
database of this checkout's own, created on demand. When there is neither,
its cases are skipped and the run ends with one line that says so.
"""

import hashlib
import os
import threading
from contextlib import suppress
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.services import distributions, scorer_values
from app.storage import list_anchors, run_memory

# The reason of every skipped PostgreSQL case; .ci/run looks for it.
NOT_SET = "TEST_DATABASE_URL is not set"
LOCAL_SERVER = "127.0.0.1:5432"
# Set when this run found the local server itself, for xdist workers and subprocesses.
FOUND_FLAG = "TEST_DATABASE_URL_FOUND"


def _local_database() -> tuple[str, str]:
    """(URL, "") of this checkout's database on the local server, or ("", why not)."""
    user = os.environ.get("PGUSER", "postgres")
    checkout = str(Path(__file__).resolve().parent.parent)
    name = "scores_dev_" + hashlib.sha256(checkout.encode()).hexdigest()[:8]
    host, port = LOCAL_SERVER.split(":")
    try:
        with psycopg.connect(
            host=host, port=port, user=user, dbname="postgres", connect_timeout=2, autocommit=True
        ) as connection:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            if connection.execute(query, (name,)).fetchone() is None:
                # Another xdist worker may make it first.
                with suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                    connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        # libpq's first line ends with the cause: "Connection refused", "password ...".
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return "", first.rsplit(" failed: ", 1)[-1].removeprefix("FATAL:").strip()
    return f"postgresql://{user}@{LOCAL_SERVER}/{name}", ""


def _postgresql() -> tuple[str, str]:
    """The PostgreSQL URL for this run and, when there is none, why not."""
    if os.environ.get("TEST_DATABASE_URL"):
        return os.environ["TEST_DATABASE_URL"], ""
    if os.environ.get("CI"):
        return "", "CI names its server explicitly"
    url, why_not = _local_database()
    if url:
        # Other conftests, test modules and spawned servers read it from the environment.
        os.environ["TEST_DATABASE_URL"] = url
        os.environ[FOUND_FLAG] = "1"
    return url, why_not


PG_URL, PG_WHY_NOT = _postgresql()
PG_FOUND = bool(os.environ.get(FOUND_FLAG))


def _database_params():
    params = [pytest.param("sqlite", id="sqlite")]
    marks = [] if PG_URL else [pytest.mark.skip(reason=NOT_SET)]
    params.append(pytest.param("postgresql", id="postgresql", marks=marks))
    return params


def _worker_pg_url(worker_id: str) -> str:
    """A database of this xdist worker's own, next to TEST_DATABASE_URL's."""
    url = make_url(PG_URL.replace("postgres://", "postgresql://", 1))
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    name = f"{url.database}_scores_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_database_url(worker_id):
    """One PostgreSQL database per test worker, its tables created once."""
    url = _worker_pg_url(worker_id)
    engine = create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def worker_id(request):
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(params=_database_params())
def database_url(request, tmp_path):
    """The URL of an empty database: a new SQLite file, or the emptied PostgreSQL one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scores.db'}"
    url = request.getfixturevalue("pg_database_url")
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(table.name for table in db.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """Builds the app on a database URL, configured only through its real settings."""
    built = []

    def make(database_url: str):
        monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("SECRET_KEY", "test-secret-key")
        # A cheap KDF setting keeps user creation fast; the checks are the real ones.
        application = create_app({"TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with application.app_context():
            if database_url.startswith("sqlite"):
                db.create_all()
        built.append(application)
        return application

    yield make
    # A list-position build may still be reading (app/services/positions.py).
    list_anchors.wait_for_builds()
    scorer_values.forget_all()
    run_memory.forget_all()
    distributions.forget_all()
    for application in built:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(database_url, make_app):
    """The app on a fresh database."""
    return make_app(database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def pytest_configure(config):
    # In CI a skipped PostgreSQL run is a failure, not a quiet pass.
    if os.environ.get("CI") and not PG_URL:
        raise pytest.UsageError(
            "CI is set but TEST_DATABASE_URL is not: PostgreSQL would be skipped"
        )


def pytest_report_header(config):
    if PG_FOUND:
        return f"PostgreSQL: {PG_URL} (found running; TEST_DATABASE_URL chooses another)"
    return None


def pytest_collection_modifyitems(config, items):
    # The outage test stops the server: only one named on purpose, never one found.
    if PG_FOUND:
        skip = pytest.mark.skip(reason="stops PostgreSQL: only with TEST_DATABASE_URL set")
        for item in items:
            if "outage" in item.keywords:
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if NOT_SET in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"PostgreSQL: {len(skipped)} cases skipped: {NOT_SET} and nothing usable answers"
            f" on {LOCAL_SERVER} ({PG_WHY_NOT})",
            yellow=True,
            bold=True,
        )
