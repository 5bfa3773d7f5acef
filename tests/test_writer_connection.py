"""The group commit's kept connection: reused between batches, replaced after a failure,
after a PostgreSQL restart, and closed with its engine."""

import sqlite3

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.extensions import db
from app.models import Score
from app.services import keys, scores
from app.storage import core_write, row_inserts
from app.storage import row_batches as score_batches
from app.storage.row_inserts import SCORES
from app.storage.writer_connection import WriterConnection
from app.validation import validate_score
from tests.builders import basic, make_api_user, post_score, score_body


def _connection(writer: WriterConnection):
    return writer.run(lambda connection, _again: connection)


def test_batches_share_one_connection_which_the_pool_does_not_lend(app):
    with app.app_context():
        writer = WriterConnection(db.engine)
        first = _connection(writer)
        assert _connection(writer) is first
        assert db.engine.pool.checkedout() == 1
        writer.close()
        assert db.engine.pool.checkedout() == 0


def test_a_failed_batch_stores_nothing_and_the_next_starts_on_a_new_connection(app):
    insert = text("INSERT INTO entity_grants (user_id, entity) VALUES (:user, 'team')")
    insert_twice = text(
        "INSERT INTO entity_grants (user_id, entity) VALUES (:user, 'team'), (:user, 'team')"
    )
    user, _key = make_api_user(app, entities=())
    with app.app_context():
        writer = WriterConnection(db.engine)
        before = _connection(writer)

        def grant_twice(connection, _again):
            # One statement, as a batch's write must be (two rows, the same key).
            connection.execute(insert_twice, {"user": user.id})

        with pytest.raises(IntegrityError):
            writer.run(grant_twice)

        def grant_once(connection, _again):
            assert connection is not before  # the failed one went back to the pool
            connection.execute(insert, {"user": user.id})

        writer.run(grant_once)
        count = db.session.scalar(text("SELECT count(*) FROM entity_grants"))
        writer.close()
    assert count == 1


def _is_closed(driver_connection) -> bool:
    if isinstance(driver_connection, sqlite3.Connection):
        try:
            driver_connection.execute("SELECT 1")
        except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
            return True
        return False
    return driver_connection.closed


def test_disposing_the_engine_closes_the_writers_connection(app):
    with app.app_context():
        writer = WriterConnection(db.engine)
        driver_connection = _connection(writer).connection.driver_connection
        assert not _is_closed(driver_connection)
        # The disposed pool would keep a returned connection open until collected.
        db.engine.dispose()
        assert _is_closed(driver_connection)


def test_creates_go_on_after_the_engine_is_disposed(app, client):
    _user, key = make_api_user(app)
    post_score(client, key)
    with app.app_context():
        db.engine.dispose()
    post_score(client, key)  # a new group, on a new connection
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Score)) == 2


def test_after_a_restart_creates_run_again_on_a_new_connection(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating a server's connections is PostgreSQL's")
    _user, key = make_api_user(app)
    client = app.test_client()
    post_score(client, key)
    # What a PostgreSQL restart does: every connection of the app is dropped.
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    assert client.get("/v2/team/proj/scores/none", headers=basic(key)).status_code == 404
    # The writer finds its kept connection gone: the batch runs once more
    # on a new connection.
    statuses = [
        client.post("/v2/team/proj/scores", json=score_body(), headers=basic(key)).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 200]


def _terminate(database_url: str, connection) -> None:
    """End the server process behind a connection, as a restart would."""
    pid = connection.connection.driver_connection.info.backend_pid
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_batch_that_loses_its_connection_runs_again_told_so(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating a server's connections is PostgreSQL's")
    runs = []

    def batch(connection, again):
        runs.append((connection, again))
        if len(runs) == 1:
            _terminate(database_url, connection)
        return connection.execute(text("SELECT 1")).scalar()

    with app.app_context():
        writer = WriterConnection(db.engine)
        assert writer.run(batch) == 1
        writer.close()
    assert [again for _connection, again in runs] == [False, True]
    assert runs[0][0] is not runs[1][0]


def test_a_batch_lost_twice_gives_up(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating a server's connections is PostgreSQL's")
    runs = []

    def batch(connection, again):
        runs.append(again)
        _terminate(database_url, connection)
        connection.execute(text("SELECT 1"))

    with app.app_context():
        writer = WriterConnection(db.engine)
        with pytest.raises(DBAPIError) as raised:
            writer.run(batch)
        writer.close()
    assert raised.value.connection_invalidated
    assert runs == [False, True]


def _pending_creates(count: int, digest: str | None = None) -> list[score_batches.PendingCreate]:
    fields = validate_score(score_body())
    return [
        score_batches.PendingCreate(
            scores.new_score_row("team", "proj", fields, "" if digest else "someone", "api"), digest
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("keyed", [False, True], ids=["known-author", "key-checked"])
def test_a_batch_stored_before_its_connection_was_lost_is_not_stored_twice(
    app, database_url, keyed
):
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating a server's connections is PostgreSQL's")
    _user, key = make_api_user(app)
    creates = _pending_creates(3, keys.hash_key(key) if keyed else None)
    runs = []

    class LosingWriter(WriterConnection):
        """Loses its connection after the batch's first run has stored it."""

        def run(self, batch):
            def store_then_lose_the_connection(connection, again):
                runs.append(again)
                outcomes = batch(connection, again)
                if not again:  # autocommit: the insert has committed
                    _terminate(database_url, connection)
                    connection.execute(text("SELECT 1"))
                return outcomes

            return super().run(store_then_lose_the_connection)

    with app.app_context():
        writer = LosingWriter(db.engine)
        outcomes = score_batches.insert_batch(writer, SCORES, creates)
        writer.close()
        stored = db.session.scalar(select(func.count()).select_from(Score))
    assert runs == [False, True]
    assert outcomes == [None, None, None]
    assert stored == 3


def test_a_rerun_stores_the_rows_not_yet_stored_and_skips_the_rest(app):
    rows = [create.row for create in _pending_creates(2)]
    with app.app_context():
        with core_write() as connection:
            row_inserts.insert_rows(connection, SCORES, rows[:1])
        with core_write() as connection:
            row_inserts.insert_rows(connection, SCORES, rows, again=True)
        stored = db.session.scalars(select(Score.id).order_by(Score.id)).all()
    assert stored == sorted(row["id"] for row in rows)


def test_a_batch_is_stored_whole_or_not_at_all(app):
    # Two rows of one batch with the same id: the second fails, and the first
    # must not stay. (In PostgreSQL's autocommit it would, were each row a
    # statement of its own: checked by inserting them one by one.)
    row = _pending_creates(1)[0].row
    creates = [score_batches.PendingCreate(dict(row)), score_batches.PendingCreate(dict(row))]
    with app.app_context():
        writer = WriterConnection(db.engine)
        with pytest.raises(IntegrityError):
            score_batches.insert_batch(writer, SCORES, creates)
        writer.close()
        assert db.session.scalar(select(func.count()).select_from(Score)) == 0
