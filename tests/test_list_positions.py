"""Deep offsets start from remembered positions, and agree with a plain OFFSET
through deletes, new scores and filters, on every database."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.models import Score
from app.score_ids import id_at
from app.storage import list_anchors as positions
from app.storage import list_api_rows, request_connection, scorer_digest
from app.storage import score_rows as scores
from tests.builders import basic, make_api_user, post_score

ROWS = 2_600
PROJECT = "deep"


@pytest.fixture
def deep_project(app, monkeypatch):
    """A project of old (settled) scores, anchors every 100 positions."""
    monkeypatch.setattr(positions, "ANCHOR_EVERY", 100)
    start = datetime.now(UTC) - timedelta(days=3)
    rows = []
    for index in range(ROWS):
        moment = start + timedelta(seconds=index)
        rows.append(
            {
                "id": id_at(moment),
                "entity": "team",
                "project": PROJECT,
                "prediction_id": f"p{index}",
                "scorer": "s",
                "scorer_digest": scorer_digest("s"),
                "value_json": str(index),
                "evaluation_run_id": f"run-{index % 3}",
                "created_by": "seed",
                "source": "api",
                "created_at": moment,
            }
        )
    with app.app_context():
        db.session.execute(insert(Score), rows)
        db.session.commit()
    return [row["id"] for row in rows]


def page(client, key, **query):
    response = client.get(f"/v2/team/{PROJECT}/scores", query_string=query, headers=basic(key))
    assert response.status_code == 200
    # Anchors are built in the background: let the next page find them.
    positions.wait_for_builds()
    return [json.loads(line)["score_id"] for line in response.get_data(as_text=True).splitlines()]


def expected(app, run=None, offset=0, limit=7):
    with app.app_context():
        query = select(Score.id).where(Score.entity == "team", Score.project == PROJECT)
        if run is not None:
            query = query.where(Score.evaluation_run_id == run)
        return list(db.session.scalars(query.order_by(Score.id).offset(offset).limit(limit)))


def test_deep_pages_match_a_plain_offset(app, client, deep_project):
    _user, key = make_api_user(app)
    for offset in (0, 99, 100, 101, 250, 1_999, 2_500, 2_599, 2_600, 5_000):
        assert page(client, key, offset=offset, limit=7) == expected(app, offset=offset), offset
    for offset in (0, 100, 150, 800, 866, 900):
        got = page(client, key, evaluation_run_id="run-1", offset=offset, limit=5)
        assert got == expected(app, "run-1", offset, 5), offset
    built = [
        anchors for key, anchors in positions._cache.items() if key[1:4] == ("team", PROJECT, None)
    ]
    assert built and len(built[-1].ids) == ROWS // 100


def test_deletes_and_new_scores_keep_pages_exact(app, client, deep_project):
    _user, key = make_api_user(app)
    assert page(client, key, offset=1_500, limit=3) == deep_project[1_500:1_503]
    # Deleting early scores shifts every later position: the anchors must not be trusted.
    victims = deep_project[10:60:7]
    response = client.delete(
        f"/v2/team/{PROJECT}/scores", query_string={"score_ids": victims}, headers=basic(key)
    )
    assert response.get_json() == {"num_deleted": len(victims)}
    for offset in (150, 1_500, 2_400):
        assert page(client, key, offset=offset, limit=3) == expected(app, offset=offset, limit=3)
    # New scores land after every settled id, so earlier positions stand.
    for _ in range(5):
        post_score(client, key, project=PROJECT)
    for offset in (1_500, 2_550, 2_590):
        assert page(client, key, offset=offset, limit=4) == expected(app, offset=offset, limit=4)


def test_fresh_ids_are_never_anchors(app, client, monkeypatch):
    monkeypatch.setattr(positions, "ANCHOR_EVERY", 10)
    _user, key = make_api_user(app)
    ids = [post_score(client, key, project="fresh") for _ in range(35)]
    response = client.get("/v2/team/fresh/scores?offset=25&limit=3", headers=basic(key))
    positions.wait_for_builds()
    assert [
        json.loads(line)["score_id"] for line in response.get_data(as_text=True).splitlines()
    ] == ids[25:28]
    cached = [anchors for key, anchors in positions._cache.items() if key[2] == "fresh"]
    assert ids == sorted(ids)
    assert cached and all(anchors.ids == () for anchors in cached)


def test_data_replaced_behind_our_back_is_noticed(app, client, deep_project):
    _user, key = make_api_user(app)
    assert page(client, key, offset=1_200, limit=3) == deep_project[1_200:1_203]
    # As a restore would: the rows change without our delete path (and its counter).
    from sqlalchemy import delete

    with app.app_context():
        db.session.execute(delete(Score).where(Score.project == PROJECT))
        db.session.commit()
    reseeded = deep_project_rows(app)
    assert page(client, key, offset=1_200, limit=3) == reseeded[1_200:1_203]


def deep_project_rows(app):
    start = datetime.now(UTC) - timedelta(days=2)
    rows = [
        {
            "id": id_at(start + timedelta(seconds=i)),
            "entity": "team",
            "project": PROJECT,
            "prediction_id": f"r{i}",
            "scorer": "s",
            "scorer_digest": scorer_digest("s"),
            "value_json": "0",
            "evaluation_run_id": None,
            "created_by": "seed",
            "source": "api",
            "created_at": start + timedelta(seconds=i),
        }
        for i in range(ROWS)
    ]
    with app.app_context():
        db.session.execute(insert(Score), rows)
        db.session.commit()
    return [row["id"] for row in rows]


def test_concurrent_deep_pages_build_the_anchors_once(app, deep_project, monkeypatch):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    builds = []
    real_build = positions._settled_anchor_ids

    def counted_build(connection, conditions):
        builds.append(threading.get_ident())
        return real_build(connection, conditions)

    monkeypatch.setattr(positions, "_settled_anchor_ids", counted_build)
    positions._cache.clear()
    _user, key = make_api_user(app)
    clients = [app.test_client() for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = list(pool.map(lambda client: page(client, key, offset=2_345, limit=5), clients))
    assert pages == [deep_project[2_345:2_350]] * 8
    assert len(builds) == 1


def test_a_deep_page_does_not_wait_for_the_anchors(app, client, deep_project, monkeypatch):
    import threading

    release = threading.Event()
    real_build = positions._settled_anchor_ids

    def slow_build(connection, conditions):
        release.wait(30)
        return real_build(connection, conditions)

    monkeypatch.setattr(positions, "_settled_anchor_ids", slow_build)
    positions._cache.clear()
    _user, key = make_api_user(app)
    response = client.get(
        f"/v2/team/{PROJECT}/scores", query_string={"offset": 2_222, "limit": 4}, headers=basic(key)
    )
    ids = [json.loads(line)["score_id"] for line in response.get_data(as_text=True).splitlines()]
    assert ids == deep_project[2_222:2_226]
    assert positions._building, "the build should still be running"
    release.set()
    positions.wait_for_builds()
    assert page(client, key, offset=2_222, limit=4) == deep_project[2_222:2_226]
    assert any(key[2] == PROJECT and anchors.ids for key, anchors in positions._cache.items())


def test_postgresql_plans_each_page_once(app, deep_project):
    """A page's skip and limit are part of its statement on PostgreSQL: a
    parameter there makes the server plan the page anew at every request."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite plans a statement when it is prepared")
    pages = {
        "start": (None, 0),
        "skip": (None, 55),
        "anchored": (None, 1_200),
        "anchored and skip": (None, 1_234),
        "run filter, anchored": ("run-1", 450),
    }
    with app.test_request_context():
        connection = request_connection()
        # Statistics of this project's rows alone: the plan PostgreSQL settles
        # on depends on them, and autovacuum would otherwise analyze the table
        # at a moment of its own, or leave a previous test's histogram in place.
        connection.exec_driver_sql("ANALYZE scores")
        for run, offset in pages.values():
            for _ in range(2):  # the first may be read before the anchors are built
                list_api_rows("team", PROJECT, run, 10, offset)
                positions.wait_for_builds()
            # psycopg prepares a statement after five runs, and PostgreSQL plans
            # a prepared statement for its values five times before it decides.
            for _ in range(12):
                rows = list_api_rows("team", PROJECT, run, 10, offset)
            assert [row[0] for row in rows] == expected(app, run, offset, 10)
        plans = connection.exec_driver_sql(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%%ORDER BY scores.id%%LIMIT 10'"
        ).all()
    # One statement per page, planned for its values at its first runs, then once for all.
    assert len(plans) == len(pages), plans
    for statement, generic, _custom in plans:
        assert generic > 0, statement


def test_postgresql_compiles_a_page_once_whatever_its_numbers(app, deep_project, monkeypatch):
    """A client paging by 7 meets every skip below ANCHOR_EVERY: each is written
    into the page's text, but the page's statement is built and compiled once."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite keeps its skip and limit as parameters")
    built = []
    build = scores._page_query
    monkeypatch.setattr(scores, "_page_query", lambda *shape: built.append(shape) or build(*shape))
    with app.test_request_context():
        list_api_rows("team", PROJECT, None, 7, 1_200)
        positions.wait_for_builds()
        scores._list_statement.cache_clear()
        for offset in range(1_200, 1_480, 7):  # skips 0 to 79 past the anchors
            rows = list_api_rows("team", PROJECT, None, 7, offset)
            assert [row[0] for row in rows] == expected(app, None, offset, 7), offset
    scores._list_statement.cache_clear()  # nothing built with the spy stays cached
    assert [shape for shape in built if shape[-1]] == [(False, True, True, True, True)]
