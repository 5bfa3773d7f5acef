"""Statistics kept with the scores: exact after creates of every kind, deletes and races."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, select

from app import storage
from app.extensions import db
from app.models import Score, ScoreStat
from app.score_values import MAX_DEPTH, MAX_LEAVES
from app.storage import row_inserts, stale_stats, tallies
from app.storage.row_inserts import SCORES
from tests.builders import basic, make_api_user, post_score

JUDGE = "weave:///team/proj/object/judge:v1"
MATCH = "weave:///team/proj/object/exact_match:v2"
# Every kind of leaf, nested, and the odd values the rules still accept.
VALUES = [
    True,
    False,
    0.25,
    7,
    "positive",
    None,
    [1, 2],
    10**400,
    {"passed": True, "score": 3, "reason": "ok", "detail": {"f1": 0.5, "tags": ["a"]}},
    {"passed": False, "score": 1.5, "reason": None, "detail": {"f1": 0.75}},
    {"passed": True, "empty": {}, "deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}},
    {f"k{index:03d}": index for index in range(MAX_LEAVES + 6)},
]


def _stats(app, **where) -> dict[tuple, dict]:
    with app.app_context():
        rows = storage.stats_rows("team", "proj")
    return {
        (row["run_key"], row["scorer"], row["path"]): row
        for row in rows
        if all(row[name] == value for name, value in where.items())
    }


def _recounted(app) -> dict[tuple, dict]:
    """The statistics counted afresh from every stored score, in one pass."""
    with app.app_context():
        scores = db.session.execute(select(*tallies.SCORE_COLUMNS)).all()
    counted = tallies.Tallies()
    for score in scores:
        counted.add_score(*score)
    return {(row["run_key"], row["scorer"], row["path"]): row for row in counted.rows()}


def _same(kept: dict, counted: dict) -> None:
    assert set(kept) == set(counted)
    for key, row in counted.items():
        for name in (*tallies.COUNTERS, "numeric_min", "numeric_max"):
            expected = row[name]
            if isinstance(expected, float):
                assert kept[key][name] == pytest.approx(expected, rel=1e-12), (key, name)
            else:
                assert kept[key][name] == expected, (key, name)


def test_every_kind_of_value_is_counted_exactly_as_a_recount_would(app, client):
    _user, key = make_api_user(app)
    for index, value in enumerate(VALUES):
        run = "run-1" if index % 2 else None
        post_score(client, key, scorer=JUDGE, value=value, evaluation_run_id=run)
        post_score(client, key, scorer=MATCH, value=index % 3 == 0, evaluation_run_id="run-1")
    _same(_stats(app), _recounted(app))


def test_the_numbers_are_those_a_reader_expects(app, client):
    _user, key = make_api_user(app)
    for value in ({"passed": True, "score": 2}, {"passed": False, "score": 4}, {"passed": True}):
        post_score(client, key, scorer=JUDGE, value=value, evaluation_run_id="r")
    stats = _stats(app, run_key="r")
    root, passed, score = (stats["r", JUDGE, path] for path in ("", '["passed"]', '["score"]'))
    assert root["value_count"] == 3
    assert (passed["bool_count"], passed["true_count"], passed["numeric_count"]) == (3, 2, 0)
    assert (score["numeric_count"], score["numeric_sum"]) == (2, 6.0)
    assert (score["numeric_min"], score["numeric_max"]) == (2.0, 4.0)


def test_a_value_past_the_limits_keeps_its_first_leaves_and_says_how_many_it_skipped(app, client):
    _user, key = make_api_user(app)
    post_score(client, key, scorer=JUDGE, value=VALUES[-1])
    deep = {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}}}
    post_score(client, key, scorer=MATCH, value=deep)
    judge = _stats(app, scorer=JUDGE)
    assert len(judge) == 1 + MAX_LEAVES
    assert judge["", JUDGE, ""]["skipped_leaves"] == 6
    # Nested past MAX_DEPTH, an object is one leaf of kind "other".
    (path,) = [path for (_run, _scorer, path) in _stats(app, scorer=MATCH) if path]
    assert path.count(",") == MAX_DEPTH - 1


def test_concurrent_creates_lose_no_count(app, client):
    _user, key = make_api_user(app)
    barrier = threading.Barrier(16)

    def post(index: int) -> int:
        barrier.wait() if index < 16 else None
        body = {
            "prediction_id": f"p{index}",
            "scorer": JUDGE,
            "value": {"passed": index % 2 == 0, "score": index},
            "evaluation_run_id": "r",
        }
        return app.test_client().post("/v2/team/proj/scores", json=body, headers=basic(key))

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(post, range(64)))
    assert {answer.status_code for answer in answers} == {200}
    stats = _stats(app, run_key="r")
    assert stats["r", JUDGE, ""]["value_count"] == 64
    assert stats["r", JUDGE, '["score"]']["numeric_sum"] == sum(range(64))
    assert stats["r", JUDGE, '["passed"]']["true_count"] == 32


def test_idempotent_creates_and_replays_count_once(app, client):
    _user, key = make_api_user(app)
    body = {"prediction_id": "p", "scorer": JUDGE, "value": 5, "evaluation_run_id": "r"}
    for _ in range(3):
        headers = {**basic(key), "Idempotency-Key": "same-key"}
        assert client.post("/v2/team/proj/scores", json=body, headers=headers).status_code == 200
    assert _stats(app)["r", JUDGE, ""]["numeric_count"] == 1


def test_a_delete_is_recounted_before_it_is_read_and_then_clean(app, client):
    _user, key = make_api_user(app)
    ids = [post_score(client, key, scorer=JUDGE, value=value) for value in (1, 5, 9)]
    response = client.delete(f"/v2/team/proj/scores?score_ids={ids[2]}", headers=basic(key))
    assert response.get_json() == {"num_deleted": 1}
    root = _stats(app)["", JUDGE, ""]
    assert (root["value_count"], root["numeric_max"], root["numeric_sum"]) == (2, 5.0, 6.0)
    with app.app_context():
        assert not db.session.scalar(select(ScoreStat.dirty).where(ScoreStat.path == ""))
    _same(_stats(app), _recounted(app))


def test_deleting_every_score_of_a_group_leaves_no_statistics(app, client):
    _user, key = make_api_user(app)
    score_id = post_score(client, key, scorer=JUDGE, value={"a": 1})
    client.delete(f"/v2/team/proj/scores?score_ids={score_id}", headers=basic(key))
    assert _stats(app) == {}


def test_a_recount_writes_back_what_it_counted_and_clears_the_mark(app, client, database_url):
    _user, key = make_api_user(app)
    post_score(client, key, scorer=JUDGE, value=1)
    gone = post_score(client, key, scorer=JUDGE, value=100)
    client.delete(f"/v2/team/proj/scores?score_ids={gone}", headers=basic(key))
    with app.app_context():
        group = ("team", "proj", "", storage.scorer_digest(JUDGE))
        rows = stale_stats.recount(db.engine, group)
        assert [row["numeric_max"] for row in rows] == [1.0]
        kept = db.session.execute(select(ScoreStat).where(ScoreStat.path == "")).scalars()
        # On PostgreSQL the kept rows count only the scores folded in: none yet here.
        expected = [] if database_url.startswith("postgresql") else [(False, 1.0)]
        assert [(row.dirty, row.numeric_max) for row in kept] == expected
    assert _stats(app)["", JUDGE, ""]["numeric_max"] == 1.0


def test_a_batch_run_again_counts_only_what_it_stored(app, client):
    _user, key = make_api_user(app)
    post_score(client, key, scorer=JUDGE, value=3)
    with app.app_context():
        first = db.session.scalars(select(Score)).one()
        stored = {column.name: getattr(first, column.name) for column in Score.__table__.columns}
        fresh = {**stored, "id": "0190a000-0000-7000-8000-000000000001", "value_json": "4"}
        with storage.core_write() as connection:
            row_inserts.insert_rows(connection, SCORES, [stored, fresh], again=True)
    root = _stats(app)["", JUDGE, ""]
    assert (root["numeric_count"], root["numeric_sum"]) == (2, 7.0)


@pytest.mark.parametrize(
    ("values", "expected", "together"),
    [
        ((1e308, 1e308), float("inf"), False),
        ((1e308, 1e308), float("inf"), True),
        ((-1e308, -1e308, 5), float("-inf"), False),
        ((-1e308, -1e308, 5), float("-inf"), True),
        # Once infinite, a sum stays so (a batch's own sum may be exact: not asserted).
        ((1e308, 1e308, -1e308), float("inf"), False),
        ((1e308, -1e308), 0.0, True),
    ],
)
def test_a_sum_past_the_largest_double_is_an_infinity_not_an_error(
    app, client, values, expected, together
):
    # Python and SQLite add doubles as IEEE 754 does; PostgreSQL refused the
    # overflow, and with it the batch, so such scores were answered 500.
    _user, key = make_api_user(app)
    if together:
        rows = [
            {**_score_row(value), "id": f"0190a000-0000-7000-8000-00000000000{index}"}
            for index, value in enumerate(values)
        ]
        with app.app_context(), storage.core_write() as connection:
            row_inserts.insert_rows(connection, SCORES, rows)
    else:
        for value in values:
            post_score(client, key, scorer=JUDGE, value=value, evaluation_run_id="r")
    (root,) = _stats(app).values()
    assert (root["numeric_count"], root["numeric_sum"]) == (len(values), expected)
    assert (root["numeric_min"], root["numeric_max"]) == (min(values), max(values))


def test_sums_across_batches_are_the_doubles_python_adds(app, client):
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001 in IEEE 754, as Python and SQLite add it;
    # adding through decimals gave 0.6 on PostgreSQL.
    _user, key = make_api_user(app)
    values = (0.1, 0.2, 0.3)
    for value in values:
        post_score(client, key, scorer=JUDGE, value=value, evaluation_run_id="r")
    (root,) = _stats(app).values()
    expected = 0.0
    for value in values:
        expected += value
    assert root["numeric_sum"] == expected == 0.6000000000000001


def test_a_batch_that_stores_nothing_counts_nothing(app, client):
    # Its project's scorer configs changed after the rows were checked: no row is stored,
    # and none of the batch's tallies may be.
    _user, key = make_api_user(app)
    post_score(client, key, scorer=JUDGE, value=1, evaluation_run_id="r")
    before = _stats(app)
    rows = [
        {**_score_row(2), "id": f"0190a000-0000-7000-8000-00000000001{index}"} for index in range(3)
    ]
    stale = [("team", "proj", 99)]
    with (
        app.app_context(),
        storage.core_write() as connection,
        pytest.raises(storage.ConfigsChanged),
    ):
        row_inserts.insert_rows(connection, SCORES, rows, generations=stale)
    assert _stats(app) == before


def _score_row(value) -> dict:
    from app.services.scores import new_score_row
    from app.validation import validate_score

    body = {"prediction_id": "p", "scorer": JUDGE, "value": value, "evaluation_run_id": "r"}
    return new_score_row("team", "proj", validate_score(body), "alice", "api")


def test_a_delete_locks_the_groups_it_marks_in_the_databases_key_order(app, client, database_url):
    # Folds and SQLite's batches lock their statistics rows in the database's key order; a
    # delete that locked its groups in another order deadlocked with them on PostgreSQL
    # (503s under load). It marks every group in one statement, which on PostgreSQL
    # orders the rows by the key in the database, whatever the collation.
    _user, key = make_api_user(app)
    ids = [
        post_score(client, key, scorer=f"scorer-{index % 4}", value=index, evaluation_run_id=run)
        for index in range(8)
        for run in ("run-b", "run-a", None)
    ]
    marking: list[str] = []

    def watch(_connection, _cursor, statement, _parameters, _context, _many):
        if "score_stats" in statement:
            marking.append(" ".join(statement.split()))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", watch)
        try:
            response = client.delete("/v2/team/proj/scores", json=ids, headers=basic(key))
        finally:
            event.remove(db.engine, "before_cursor_execute", watch)
    assert response.get_json() == {"num_deleted": len(ids)}
    (statement,) = marking
    assert statement.startswith("INSERT INTO score_stats")
    assert "ON CONFLICT (entity, project, run_key, scorer_digest, path) DO UPDATE" in statement
    order = "ORDER BY root.entity, root.project, root.run_key, root.scorer_digest, root.path"
    assert (order in statement) == database_url.startswith("postgresql")
    with app.app_context():
        assert db.session.scalars(select(ScoreStat.dirty)).all() == [True] * 12
