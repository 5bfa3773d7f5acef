"""Statements on the driver cursor store what Core would, and fail the way Core does."""

from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import String, cast, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from app import storage
from app.extensions import db
from app.models import Score
from app.models._time import utcnow
from app.services import keys, scores
from app.storage import api_lines as api_rows
from app.storage import core_write, request_connection, row_inserts
from app.storage.compiled import DriverStatement, inline_number
from app.storage.row_inserts import SCORES
from app.validation import validate_score
from tests.builders import basic, make_api_user, post_score, score_body


def _row(score_id: str) -> dict:
    fields = validate_score(score_body(value={"big": 10**30, "text": "é\u0000"}))
    row = scores.new_score_row("team", "proj", fields, "someone", "api")
    row["id"] = score_id
    row["created_at"] = datetime(2026, 11, 26, 3, 4, 5, 678901, tzinfo=UTC)
    return row


def test_a_driver_insert_reads_back_exactly_through_core(app):
    with app.app_context():
        with core_write() as connection:
            row_inserts.insert_rows(connection, SCORES, [_row("driver-1")])
        stored = db.session.get(Score, ("team", "proj", "driver-1"))
    assert stored.created_at == datetime(2026, 11, 26, 3, 4, 5, 678901, tzinfo=UTC)
    assert stored.value_json == '{"big":1000000000000000000000000000000,"text":"é\\u0000"}'
    assert (stored.entity, stored.project, stored.created_by) == ("team", "proj", "someone")


@pytest.mark.parametrize("microsecond", [678901, 0])
def test_a_driver_insert_stores_the_text_core_would(app, microsecond):
    # The dialect's own bind processing, as Core applies it: on SQLite a
    # datetime is written in SQLAlchemy's form, always with microseconds, not
    # by the driver's default adapter (deprecated since Python 3.12), which
    # leaves them out of a whole second.
    driver_row, core_row = _row("by-driver"), _row("by-core")
    moment = datetime(2026, 11, 26, 3, 4, 5, microsecond, tzinfo=UTC)
    driver_row["created_at"] = core_row["created_at"] = moment
    stored_text = select(cast(Score.created_at, String)).order_by(Score.id)
    with app.app_context():
        with core_write() as connection:
            row_inserts.insert_rows(connection, SCORES, [driver_row])
            connection.execute(insert(Score), core_row)
        by_core, by_driver = request_connection().execute(stored_text).scalars().all()
    assert by_driver == by_core


def test_driver_errors_are_sqlalchemy_errors_and_roll_back(app):
    with app.app_context():
        with core_write() as connection:
            row_inserts.insert_rows(connection, SCORES, [_row("driver-2")])
        with pytest.raises(IntegrityError), core_write() as connection:
            row_inserts.insert_rows(connection, SCORES, [_row("driver-3"), _row("driver-2")])
        stored = request_connection().execute(select(Score.id).order_by(Score.id)).scalars().all()
    assert stored == ["driver-2"]  # driver-3 went with its transaction


def test_the_key_lookup_sees_revocation_and_grants(app):
    user, key = make_api_user(app, entities=("team",))
    with app.app_context():
        principal = keys.authenticate_key(key, "team")
        assert principal is not None and principal.may_use("team")
        assert not keys.authenticate_key(key, "other").may_use("other")
        keys.revoke_key(key[: keys.PREFIX_LENGTH])
        assert keys.authenticate_key(key, "team") is None


def test_inline_numbers_are_written_into_the_text_of_each_execution(app):
    ids = select(Score.id).order_by(Score.id)
    statement = DriverStatement(ids.offset(inline_number("skip")).limit(inline_number("limit")))
    with app.app_context():
        with core_write() as connection:
            row_inserts.insert_rows(connection, SCORES, [_row(name) for name in ("a", "b", "c")])
        connection = request_connection()
        assert statement.all(connection, {"skip": 1, "limit": 1}) == [("b",)]
        assert statement.all(connection, {"skip": 0, "limit": 2}) == [("a",), ("b",)]
        with pytest.raises(ValueError):  # nothing but an integer is written into SQL
            statement.all(connection, {"skip": "0; DELETE FROM scores", "limit": 1})
        assert len(statement.all(connection, {"skip": 0, "limit": 5})) == 3


@pytest.mark.parametrize(
    "stored",
    [
        "2026-11-26 03:04:05.678901",  # SQLite's text, read on the driver cursor
        datetime(2026, 11, 26, 3, 4, 5, 678901, tzinfo=UTC),
        datetime.fromisoformat("2026-11-26T04:04:05.678901+01:00"),  # a non-UTC session
    ],
)
def test_timestamps_show_in_utc_with_microseconds(stored):
    assert api_rows.format_timestamp(stored) == "2026-11-26T03:04:05.678901Z"


def test_a_whole_second_still_shows_microseconds():
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert api_rows.format_timestamp(moment) == "2026-01-02T03:04:05.000000Z"
    assert api_rows.format_timestamp("2026-01-02 03:04:05.000000") == "2026-01-02T03:04:05.000000Z"
    # As the driver's default adapter stored a whole second before 51841eb.
    assert api_rows.format_timestamp("2026-01-02 03:04:05") == "2026-01-02T03:04:05.000000Z"


def test_after_a_restart_reads_reconnect_and_the_pool_is_renewed(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating a server's connections is PostgreSQL's")
    _user, key = make_api_user(app)
    with app.app_context():
        held = [db.engine.connect() for _ in range(4)]  # the pool holds four
        backends = [held_one.connection.driver_connection.info.backend_pid for held_one in held]
        for held_one in held:
            held_one.close()
    # What a PostgreSQL restart does to every pooled connection.
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [backends])
    client = app.test_client()
    statuses = [
        client.get("/v2/team/proj/scores/none", headers=basic(key)).status_code for _ in range(4)
    ]
    # The first read finds its connection gone and runs again on a new one;
    # the rest get new connections instead of finding the other three gone.
    assert statuses == [404, 404, 404, 404]


@pytest.mark.parametrize("write", ["rows", "rows if the key allows"])
def test_a_write_in_autocommit_is_not_run_again_on_a_dropped_connection(app, database_url, write):
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating a server's connections is PostgreSQL's")
    _user, key = make_api_user(app)
    with app.app_context():
        connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        pid = connection.connection.driver_connection.info.backend_pid
        with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        # It may have committed before the connection went: the error stands.
        with pytest.raises(DBAPIError) as raised:
            if write == "rows":
                row_inserts.insert_rows(connection, SCORES, [_row("driver-lost")])
            else:
                digest, now = keys.hash_key(key), utcnow()
                row_inserts.insert_if_allowed(
                    connection, SCORES, [_row("driver-lost")], digest, "team", now
                )
        assert raised.value.connection_invalidated
        connection.close()
        assert db.session.get(Score, ("team", "proj", "driver-lost")) is None


def test_a_value_too_long_for_its_column_is_refused_not_cut_short(app, database_url):
    # The rows travel as one JSON document; the column's own length is enforced.
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite does not enforce a column's length")
    row = _row("driver-long")
    row["prediction_id"] = "p" * 257
    with app.app_context():
        with pytest.raises(DBAPIError), core_write() as connection:
            row_inserts.insert_rows(connection, SCORES, [row])
        assert db.session.get(Score, ("team", "proj", "driver-long")) is None


def test_a_stream_that_loses_its_connection_after_its_last_batch_is_answered_whole(
    app, database_url
):
    # The view reads the first batch; when it is the last, nothing more is
    # asked of the server, so a server gone since cannot cut the answer.
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating a server's connections is PostgreSQL's")
    _user, key = make_api_user(app)
    client = app.test_client()
    ids = [post_score(client, key) for _ in range(3)]
    with app.app_context():
        stream = scores.list_api_rows("team", "proj")
        assert isinstance(stream, storage.RowStream)
        with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        rows = list(stream)
        stream.close()
    assert [row[0] for row in rows] == ids


@pytest.mark.parametrize("kind", ["SCORES", "PREDICTIONS"])
@pytest.mark.parametrize("build", ["_checked_insert", "_document_insert"])
def test_a_batchs_first_statement_is_short_enough_for_psycopg_to_convert_once(kind, build):
    # psycopg parses a statement's text for its placeholders at every execution unless the
    # text is within this length; a batch of one create then paid for it in full.
    from psycopg import _queries  # psycopg's own limit: where it is, the test follows it
    from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect

    limit = getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", 4096)
    statement = getattr(row_inserts, build)(getattr(row_inserts, kind), False)
    assert len(statement._plan(psycopg_dialect.dialect()).sql.encode()) <= limit
