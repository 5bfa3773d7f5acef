"""Session settings the app gives its PostgreSQL connections."""

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db
from app.storage import engine_options


def test_postgresql_connections_run_without_jit(app, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("JIT compilation is PostgreSQL's")
    with app.app_context():
        assert db.session.execute(text("SHOW jit")).scalar() == "off"


def test_options_in_the_url_are_the_operators_and_win(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("connection options are PostgreSQL's")
    url = database_url + ("&" if "?" in database_url else "?") + "options=-c%20jit%3Don"
    engine = create_engine(url, **engine_options(url, threads=4))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar() == "on"
    finally:
        engine.dispose()


def test_the_postgresql_pool_holds_a_connection_per_thread_and_a_stream_each(
    database_url, make_app, monkeypatch
):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's pool is unbounded")
    monkeypatch.setenv("WEB_THREADS", "12")
    app = make_app(database_url)
    with app.app_context():
        assert db.engine.pool.size() == 12
        # Every thread with a request connection and a stream's at once: none
        # waits for the pool (with SQLAlchemy's 5 + 10, the 16th would).
        held = [db.engine.connect() for _ in range(24)]
        for connection in held:
            connection.exec_driver_sql("SELECT 1")
            connection.close()
