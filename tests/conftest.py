"""Fixtures: a fresh database per test on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set; real credentials through small builders."""

import os
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.storage import list_anchors, summary_rows

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _database_params():
    params = [pytest.param("sqlite", id="sqlite")]
    marks = [] if PG_URL else [pytest.mark.skip(reason="TEST_DATABASE_URL is not set")]
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
    summary_rows.forget_all()
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
