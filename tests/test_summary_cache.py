"""The project page's summary remembers settled rows, and still agrees with
one read afresh through new scores, deletes, demo data and a replaced
database, on every database."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, update

from app.extensions import db
from app.models import Score
from app.score_ids import id_at
from app.services import summary
from app.services.browse import Filters
from app.storage import list_anchors as positions
from app.storage import scorer_digest
from app.storage import summary_rows as summary_cache
from tests.builders import basic, make_api_user, post_score

SETTLED = 300
LIMIT = 100
FILTERS = [
    Filters(),
    Filters(evaluation_run_id="run-1"),
    Filters(scorer="judge"),
    Filters(evaluation_run_id="run-2", since=datetime.now(UTC) - timedelta(days=4)),
]


def old_rows(count: int, start: datetime, prefix: str = "old") -> list[dict]:
    rows = []
    for index in range(count):
        moment = start + timedelta(seconds=index)
        scorer = "judge" if index % 2 else "exact"
        value = {"ok": index % 3 == 0, "score": index % 17} if index % 2 else index % 5
        rows.append(
            {
                "id": id_at(moment),
                "entity": "team",
                "project": "proj",
                "prediction_id": f"{prefix}-{index}",
                "scorer": scorer,
                "scorer_digest": scorer_digest(scorer),
                "value_json": json.dumps(value, separators=(",", ":")),
                "evaluation_run_id": f"run-{index % 3}",
                "created_by": "seed",
                "source": "api",
                "created_at": moment,
            }
        )
    return rows


@pytest.fixture
def settled(app, monkeypatch):
    """SETTLED scores from three days ago (long settled), newest last; a smaller summary."""
    monkeypatch.setattr(summary, "SUMMARY_LIMIT", LIMIT)
    rows = old_rows(SETTLED, datetime.now(UTC) - timedelta(days=3))
    with app.app_context():
        db.session.execute(insert(Score), rows)
        db.session.commit()
    return [row["id"] for row in rows]


def shown(app, filters: Filters):
    """What the page would show: everything the template reads of the summary."""
    with app.app_context():
        result = summary.summarise("team", "proj", filters)
    return (
        result.rows_seen,
        result.truncated,
        [
            (
                scorer.scorer,
                scorer.count,
                [
                    (f.name, f.count, f.mean, f.low, f.high, f.histogram)
                    for f in scorer.fields.values()
                ],
            )
            for scorer in result.scorers
        ],
    )


def read_afresh(app, filters: Filters):
    """The summary as a process that remembers nothing computes it (and then forgets it)."""
    remembered = dict(summary_cache._cache)
    size = summary_cache._cached_bytes
    summary_cache.forget_all()
    try:
        return shown(app, filters)
    finally:
        summary_cache.forget_all()
        summary_cache._cache.update(remembered)
        summary_cache._cached_bytes = size


def assert_agrees(app):
    for filters in FILTERS:
        assert shown(app, filters) == read_afresh(app, filters), filters


def test_remembered_summaries_agree_with_fresh_ones_through_writes(app, client, settled):
    _user, key = make_api_user(app)
    assert_agrees(app)
    assert any(name[1:3] == ("team", "proj") for name in summary_cache._cache)
    for number in range(5):  # new scores: above the boundary, read every time
        post_score(client, key, evaluation_run_id="run-1", scorer="judge", value=number)
    assert_agrees(app)
    doomed = [settled[-1], settled[-4], settled[10]]  # settled rows, the newest among them
    response = client.delete(
        "/v2/team/proj/scores", query_string={"score_ids": doomed}, headers=basic(key)
    )
    assert response.get_json() == {"num_deleted": 3}
    assert_agrees(app)
    for number in range(LIMIT + 5):  # more new scores than a summary reads
        post_score(client, key, evaluation_run_id="run-1", scorer="judge", value=number)
    assert_agrees(app)


def test_settled_rows_are_read_once_until_a_delete(app, client, settled):
    _user, key = make_api_user(app)
    before = shown(app, Filters())
    with app.app_context():
        # Scores are never updated: an update behind the service's back shows
        # that the remembered rows, not the database, answered.
        db.session.execute(
            update(Score).where(Score.id.in_(settled[-LIMIT:])).values(value_json="1000")
        )
        db.session.commit()
    assert shown(app, Filters()) == before
    client.delete(
        "/v2/team/proj/scores", query_string={"score_ids": settled[0]}, headers=basic(key)
    )
    after = shown(app, Filters())
    assert after != before and after == read_afresh(app, Filters())
    exact = next(scorer for scorer in after[2] if scorer[0] == "exact")
    assert exact[2][0][3:5] == (1000.0, 1000.0)  # the field's min and max


def test_scores_that_settle_join_the_remembered_rows(app, client, settled, monkeypatch):
    monkeypatch.setattr(positions, "SETTLED_AFTER", timedelta(0))  # settled once written
    _user, key = make_api_user(app)
    shown(app, Filters())
    for number in range(5):
        post_score(client, key, scorer="judge", value=number)
    time.sleep(0.002)  # into the next millisecond: the new ids are below the boundary
    moved_on = shown(app, Filters())
    assert moved_on == read_afresh(app, Filters())
    with app.app_context():  # behind the service's back, as above
        db.session.execute(update(Score).where(Score.id.in_(settled)).values(value_json="1000"))
        db.session.commit()
    assert shown(app, Filters()) == moved_on
    post_score(client, key, scorer="judge", value=99)  # something new to merge
    time.sleep(0.002)
    merged = shown(app, Filters())
    assert merged != moved_on
    exact = next(scorer for scorer in merged[2] if scorer[0] == "exact")
    assert exact[2][0][4] < 1000.0  # the old rows' values, as first read


def test_demo_data_among_settled_scores_is_seen(app, settled):
    before = shown(app, Filters())
    result = app.test_cli_runner().invoke(
        args=["demo-data", "--entity", "team", "--project", "proj", "--count", "40", "--days", "1"]
    )
    assert result.exit_code == 0, result.output
    after = shown(app, Filters())
    assert after != before and after == read_afresh(app, Filters())


def test_a_replaced_database_is_read_afresh(app, settled):
    before = shown(app, Filters())
    with app.app_context():
        # What a restore does: every row replaced, the deletion count with them.
        db.session.execute(delete(Score))
        db.session.execute(
            insert(Score), old_rows(SETTLED, datetime.now(UTC) - timedelta(days=5), "new")
        )
        db.session.execute(update(Score).values(value_json="7"))
        db.session.commit()
    after = shown(app, Filters())
    assert after != before and after == read_afresh(app, Filters())


def test_what_is_remembered_stays_within_its_bound(app, settled, monkeypatch):
    shown(app, Filters())
    one_entry = summary_cache._cached_bytes
    assert one_entry > 0
    monkeypatch.setattr(summary_cache, "CACHE_BYTES", one_entry * 2 + one_entry // 2)
    shown(app, Filters(scorer="judge"))
    shown(app, Filters())  # viewed again: now the most recent
    shown(app, Filters(evaluation_run_id="run-1"))
    assert summary_cache._cached_bytes <= summary_cache.CACHE_BYTES
    mine = [key for key in summary_cache._cache if key[1:3] == ("team", "proj")]
    assert [key[3] for key in mine] == [Filters(), Filters(evaluation_run_id="run-1")]


def test_secondary_filters_are_not_remembered(app, settled):
    filters = Filters(author="seed")
    assert shown(app, filters) == read_afresh(app, filters)
    assert not any(key[3] == filters for key in summary_cache._cache)


def test_an_unchanged_summary_is_not_computed_again(app, client, settled):
    with app.app_context():
        first = summary.summarise("team", "proj", Filters())
        assert summary.summarise("team", "proj", Filters()) is first
    _user, key = make_api_user(app)
    post_score(client, key, scorer="judge", value=1)
    with app.app_context():
        assert summary.summarise("team", "proj", Filters()) is not first
