"""PostgreSQL's statistics folded in after the scores' transactions (app/storage/score_folds.py):
exact when read before a fold, after it, past a transaction still running, and across
deletes, folds and recounts racing creates. SQLite counts in each batch's transaction."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app import storage
from app.extensions import db
from app.models import FoldHorizon, Score, ScoreStat
from app.storage import row_inserts, score_folds, stale_stats
from app.storage.transactions import engine_write
from tests.builders import basic, make_api_user, post_score
from tests.test_score_stats import JUDGE, MATCH, _recounted, _same, _score_row, _stats

postgresql_only = pytest.mark.usefixtures("on_postgresql")


@pytest.fixture
def on_postgresql(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite counts in each batch's transaction: it folds nothing")


def _kept(app) -> dict[tuple, dict]:
    """What score_stats itself holds: the scores folded in."""
    with app.app_context():
        rows = db.session.scalars(select(ScoreStat)).all()
        return {
            (row.run_key, row.scorer, row.path): {
                column.name: getattr(row, column.name) for column in ScoreStat.__table__.columns
            }
            for row in rows
        }


def _horizon(app, project: str = "proj") -> int | None:
    with app.app_context():
        return db.session.scalar(select(FoldHorizon.horizon).where(FoldHorizon.project == project))


def _fold(app, project: str = "proj") -> None:
    with app.app_context():
        score_folds.fold(db.engine, "team", project)


def _fold_all(app, project: str = "proj") -> None:
    """Fold until the horizon is past every score of the project. Any transaction running
    on the server holds it back, other test workers' in their own databases too."""
    with app.app_context():
        query = select(func.max(Score.txid)).where(Score.project == project)
        newest = db.session.scalar(query)
        db.session.rollback()
    deadline = time.monotonic() + 20
    while newest is not None and (_horizon(app, project) or 0) <= newest:
        assert time.monotonic() < deadline, "a transaction held the horizon for 20 s"
        _fold(app, project)
        time.sleep(0.02)


def test_a_create_stamps_its_score_and_readers_count_it_exactly(app, client, database_url):
    _user, key = make_api_user(app)
    for passed, score in ((True, 0.5), (False, 2)):
        value = {"passed": passed, "score": score}
        post_score(client, key, scorer=JUDGE, value=value, evaluation_run_id="a")
    post_score(client, key, scorer=MATCH, value="label", evaluation_run_id="b")
    on_postgresql = database_url.startswith("postgresql")
    with app.app_context():
        stamps = db.session.scalars(select(Score.txid)).all()
    assert all(stamp is not None for stamp in stamps) == on_postgresql
    assert all(stamp is None for stamp in stamps) != on_postgresql
    assert (_kept(app) == {}) == on_postgresql  # nothing written beside the scores
    _same(_stats(app), _recounted(app))
    with app.app_context():
        runs = {run.run_id: run.scores for run in storage.project_runs("team", "proj")}
        assert runs == {"a": 2, "b": 1}
        assert storage.stat_scorers("team", "proj") == sorted([JUDGE, MATCH])


@postgresql_only
def test_a_fold_counts_what_ended_before_it_and_adds_to_what_is_kept(app, client):
    _user, key = make_api_user(app)
    for value in (1e308, 3, -2.5):
        post_score(client, key, scorer=JUDGE, value=value, evaluation_run_id="r")
    _fold_all(app)
    _same(_kept(app), _recounted(app))
    for value in (1e308, "text", 7):
        post_score(client, key, scorer=JUDGE, value=value, evaluation_run_id="r")
    _same(_stats(app), _recounted(app))
    _fold_all(app)
    _same(_kept(app), _recounted(app))
    root = _stats(app)["r", JUDGE, ""]
    assert (root["numeric_count"], root["numeric_sum"], root["text_count"]) == (5, float("inf"), 1)
    assert (root["numeric_min"], root["numeric_max"]) == (-2.5, 1e308)


@postgresql_only
def test_a_transaction_still_running_holds_the_horizon_below_its_scores(app, client):
    # Stamps are given in the order transactions start, not the order they commit: a fold
    # that counted past a transaction still running would never count that one's scores.
    _user, key = make_api_user(app)
    late = {**_score_row(5), "id": "0190a000-0000-7000-8000-0000000000aa"}
    with app.app_context(), engine_write(db.engine) as connection:
        row_inserts.insert_rows(connection, row_inserts.SCORES, [late])
        running = connection.exec_driver_sql("SELECT pg_current_xact_id()::text::bigint").scalar()
        post_score(client, key, scorer=JUDGE, value=1, evaluation_run_id="r")
        _fold(app)
        assert _horizon(app) <= running
        assert _kept(app) == {}
    assert _stats(app)["r", JUDGE, ""]["value_count"] == 2
    _fold_all(app)
    assert _horizon(app) > running
    _same(_kept(app), _recounted(app))


@postgresql_only
def test_a_worker_folds_a_project_after_every_so_many_of_its_scores(app, client, monkeypatch):
    monkeypatch.setattr(score_folds, "FOLD_EVERY", 5)
    _user, key = make_api_user(app)
    post_score(client, key, project="other", scorer=JUDGE, value=1)
    for index in range(4):
        post_score(client, key, scorer=JUDGE, value=index, evaluation_run_id="r")
    assert _kept(app) == {} and _horizon(app) is None
    post_score(client, key, scorer=JUDGE, value=99, evaluation_run_id="r")
    # Folded up to the oldest transaction running on the server: past these scores
    # unless another (another test worker's) was still running.
    assert _horizon(app) > 0 and _horizon(app, "other") is None
    in_run = {key: row for key, row in _recounted(app).items() if key[0] == "r"}
    _same(_stats(app), in_run)


@postgresql_only
def test_a_reader_folds_what_workers_left_short_of_their_turn(app, client, monkeypatch):
    _user, key = make_api_user(app)
    for index in range(6):
        post_score(client, key, scorer=JUDGE, value=index, evaluation_run_id="r")
    assert _kept(app) == {} and _horizon(app) is None
    monkeypatch.setattr(score_folds, "FOLD_EVERY", 6)
    _same(_stats(app), _recounted(app))  # reads the six past the horizon, then folds
    assert _horizon(app) > 0
    _same(_stats(app), _recounted(app))


def test_deleting_scores_not_folded_in_yet_is_exact(app, client):
    _user, key = make_api_user(app)
    ids = [post_score(client, key, scorer=JUDGE, value=value) for value in (1, 5, 9)]
    client.delete(f"/v2/team/proj/scores?score_ids={ids[2]}", headers=basic(key))
    root = _stats(app)["", JUDGE, ""]
    assert (root["value_count"], root["numeric_max"], root["numeric_sum"]) == (2, 5.0, 6.0)
    assert not any(row["dirty"] for row in _kept(app).values())
    _same(_stats(app), _recounted(app))


@postgresql_only
def test_deleting_folded_scores_marks_them_and_the_recount_is_exact(app, client):
    _user, key = make_api_user(app)
    ids = [post_score(client, key, scorer=JUDGE, value=value) for value in (1, 5, 9)]
    _fold_all(app)
    post_score(client, key, scorer=JUDGE, value=3)  # past the horizon
    client.delete(f"/v2/team/proj/scores?score_ids={ids[2]}", headers=basic(key))
    assert _kept(app)["", JUDGE, ""]["dirty"]
    root = _stats(app)["", JUDGE, ""]
    assert (root["value_count"], root["numeric_max"], root["numeric_sum"]) == (3, 5.0, 9.0)
    # Written back: the three folded in before, less the one deleted.
    kept = _kept(app)["", JUDGE, ""]
    assert (kept["dirty"], kept["value_count"], kept["numeric_sum"]) == (False, 2, 6.0)


@postgresql_only
def test_a_fold_leaves_a_horizon_another_holds_alone(app, client):
    # A recount holds the project's horizon (a fold meanwhile would move what its rows must
    # count), and so does a fold: another fold then has nothing to do but wait, so it
    # does not, and the next one counts what it would have.
    _user, key = make_api_user(app)
    post_score(client, key, scorer=JUDGE, value=1)
    with app.app_context(), engine_write(db.engine) as connection:
        score_folds.hold_horizon(connection, "team", "proj")  # the project's row, at 0
    with app.app_context(), engine_write(db.engine) as connection:
        score_folds.hold_horizon(connection, "team", "proj")
        started = time.monotonic()
        _fold(app)
        assert time.monotonic() - started < 5
    assert _horizon(app) == 0 and _kept(app) == {}
    _fold_all(app)
    _same(_kept(app), _recounted(app))


def test_creates_deletes_folds_and_recounts_racing_lose_nothing(app, client, monkeypatch):
    monkeypatch.setattr(score_folds, "FOLD_EVERY", 7)
    _user, key = make_api_user(app)
    created: list[str] = []
    done = threading.Event()

    def write(worker: int) -> None:
        api = app.test_client()
        for index in range(40):
            value = {"passed": index % 3 == 0, "score": worker * 100 + index}
            run = f"r{index % 2}"
            created.append(post_score(api, key, scorer=JUDGE, value=value, evaluation_run_id=run))

    def delete() -> None:
        api = app.test_client()
        while not done.is_set():
            if len(created) > 10:
                gone = created[len(created) // 2]
                api.delete(f"/v2/team/proj/scores?score_ids={gone}", headers=basic(key))
            time.sleep(0.01)

    def read() -> None:
        while not done.is_set():
            with app.app_context():
                storage.stats_rows("team", "proj")
                stale_stats.recount(db.engine, ("team", "proj", "r0", storage.scorer_digest(JUDGE)))

    with ThreadPoolExecutor(max_workers=6) as pool:
        others = [pool.submit(delete), pool.submit(read)]
        writers = [pool.submit(write, worker) for worker in range(4)]
        for writer in writers:
            writer.result()
        done.set()
        for other in others:
            other.result()
    _same(_stats(app), _recounted(app))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            score_folds.fold(db.engine, "team", "proj")
    _same(_stats(app), _recounted(app))


@postgresql_only
def test_a_delete_while_a_fold_counts_its_score_marks_the_row_the_fold_adds(app, client):
    # The fold has counted the score and added the group's first row, not yet committed,
    # when the score is deleted: the delete must wait for that row and mark it, or the
    # deleted score stays counted.
    from app.storage import score_stats, tallies

    _user, key = make_api_user(app)
    kept = post_score(client, key, scorer=JUDGE, value=1)
    gone = post_score(client, key, scorer=JUDGE, value=100)
    deleted = threading.Event()

    def delete() -> None:
        url = f"/v2/team/proj/scores?score_ids={gone}"
        assert app.test_client().delete(url, headers=basic(key)).status_code == 200
        deleted.set()

    with app.app_context():
        newest = db.session.scalar(select(func.max(Score.txid)))
        db.session.rollback()
    with app.app_context(), engine_write(db.engine) as connection:
        start = score_folds.hold_horizon(connection, "team", "proj")
        end = score_folds.oldest_running(connection)
        deadline = time.monotonic() + 20
        while end <= newest:  # another test worker's transaction still running
            assert time.monotonic() < deadline
            time.sleep(0.02)
            end = score_folds.oldest_running(connection)
        counted = tallies.Tallies()
        scores = select(*tallies.SCORE_COLUMNS).where(Score.txid >= start, Score.txid < end)
        for score in connection.execute(scores):
            counted.add_score(*score)
        score_stats.add_on_postgresql(connection, counted)
        score_folds.set_horizon(connection, "team", "proj", end)
        deleting = threading.Thread(target=delete)
        deleting.start()
        time.sleep(0.5)
        waited = not deleted.is_set()
    deleting.join(timeout=10)
    assert waited and deleted.is_set() and kept
    assert _kept(app)["", JUDGE, ""]["dirty"]
    root = _stats(app)["", JUDGE, ""]
    assert (root["value_count"], root["numeric_max"]) == (1, 1.0)
