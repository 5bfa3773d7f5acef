"""What a process remembers of settled runs (app/storage/run_memory.py) is what a fresh read
would give: new rows are added, deletions and writes of old ids are noticed."""

from datetime import UTC, datetime, timedelta

import pytest

from app import storage
from app.score_ids import id_at
from app.services.predictions import new_prediction_row
from app.services.scores import new_score_row
from app.validation import validate_score
from tests.builders import basic, make_api_user, make_prediction, make_run, make_score

JUDGE = "weave:///team/proj/object/judge:v1"
JUDGE_V2 = "weave:///team/proj/object/judge:v2"
LONG_AGO = datetime.now(UTC) - timedelta(days=1)


def _old(app, run_id, rows, *, record=True):
    """Store predictions (inputs, value or None) and their scores with ids of a day ago."""
    predictions, scores = [], []
    moment = LONG_AGO
    for inputs, value in rows:
        moment += timedelta(seconds=1)
        prediction = new_prediction_row(
            "team", "proj", model="m", inputs=inputs, output="o", evaluation_run_id=run_id,
            genai_span_ref=None, author="t",
        )  # fmt: skip
        prediction.update(id=id_at(moment), created_at=moment)
        predictions.append(prediction)
        if value is not None:
            body = {"prediction_id": prediction["id"], "scorer": JUDGE, "value": value,
                    "evaluation_run_id": run_id}  # fmt: skip
            score = new_score_row("team", "proj", validate_score(body), "t", "api")
            score.update(id=id_at(moment + timedelta(milliseconds=5)), created_at=moment)
            scores.append(score)
    with app.app_context(), storage.core_write() as connection:
        storage.insert_predictions(connection, predictions)
        storage.insert_scores(connection, scores, [("team", "proj", 0)])
        if record:
            storage.record_settled_change(connection, "team", "proj")
    return [row["id"] for row in predictions], [row["id"] for row in scores]


def _read(app, run_id):
    with app.app_context():
        rows = storage.remembered_run_rows("team", "proj", run_id)
        ids = {prediction for prediction, _digest in rows.trials}
        values = storage.remembered_run_values(
            "team", "proj", run_id, storage.scorer_digest(JUDGE), ids
        )
        return [t[0] for t in rows.trials], [o[1] for o in rows.orphans], [v[1] for v in values]


@pytest.fixture
def settled(app):
    run_id = make_run(app)
    predictions, scores = _old(app, run_id, [({"q": n}, n / 10) for n in range(5)])
    assert _read(app, run_id) == (predictions, [], scores)
    return run_id, predictions, scores


def test_new_rows_are_added_to_what_is_remembered(app, settled):
    run_id, predictions, scores = settled
    fresh = make_prediction(app, run_id, {"q": "new"}, "o")
    fresh_score = make_score(app, fresh, JUDGE, 1.0, run_id)
    old_prediction_new_score = make_score(app, predictions[0], JUDGE, 0.5, run_id)
    orphan = make_score(app, "never-stored", JUDGE, 0.0, run_id)
    trials, orphans, values = _read(app, run_id)
    assert trials == [*predictions, fresh]
    assert orphans == [orphan]
    assert values == [*scores, fresh_score, old_prediction_new_score]
    assert _read(app, run_id) == (trials, orphans, values)


def test_deletions_are_noticed(app, settled):
    run_id, predictions, scores = settled
    with app.app_context():
        assert storage.delete_score_rows("team", "proj", [scores[1]]) == 1
    assert _read(app, run_id)[2] == [scores[0], *scores[2:]]
    with app.app_context():  # a prediction without scores: only its run's count moves
        empty, _ = _old(app, run_id, [({"q": "bare"}, None)])
    assert empty[0] in _read(app, run_id)[0]
    with app.app_context():
        assert storage.delete_predictions("team", "proj", empty) == 1
    assert empty[0] not in _read(app, run_id)[0]
    with app.app_context():
        assert storage.delete_predictions("team", "proj", [predictions[2]]) == 1
    trials, _orphans, values = _read(app, run_id)
    assert predictions[2] not in trials and scores[2] not in values


def test_old_ids_are_seen_once_their_write_is_recorded(app, settled):
    run_id, predictions, scores = settled
    late, late_scores = _old(app, run_id, [({"q": "late"}, 0.9)], record=False)
    trials, _orphans, values = _read(app, run_id)
    # The run's prediction count moved, so its predictions were read again; an old score
    # id written without recording it is taken for one already remembered (the contract
    # every writer of old ids keeps: cli_demo.py).
    assert late[0] in trials and late_scores[0] not in values
    with app.app_context(), storage.core_write() as connection:
        storage.record_settled_change(connection, "team", "proj")
    trials, _orphans, values = _read(app, run_id)
    assert late[0] in trials and late_scores[0] in values


def test_the_newest_version_of_a_scorer_wins_across_remembered_and_fresh(app, client, settled):
    run_id, predictions, _scores = settled
    # Row 0: remembered v1, then v2. Row 1: v2, then v1 again. Newest wins, in both orders
    # of the two versions' digests.
    make_score(app, predictions[0], JUDGE_V2, 42, run_id)
    make_score(app, predictions[1], JUDGE_V2, 7, run_id)
    make_score(app, predictions[1], JUDGE, 42, run_id)
    key = make_api_user(app, "memory", entities=("team",))[1]
    body = {"evaluation_run_ids": [run_id], "include_raw_data_rows": True,
            "filters": [{"query": {"$expr": {"$eq": [{"$getField": "scores.judge"},
                                                      {"$literal": 42}]}}}]}  # fmt: skip
    for _ in range(2):  # built, then remembered
        answer = client.post("/v2/team/proj/eval_results/query", json=body, headers=basic(key))
        rows = answer.get_json()["rows"]
        assert sorted(r["raw_data_row"]["q"] for r in rows) == [0, 1]
        assert [r["evaluations"][0]["trials"][0]["scores"] for r in rows] == [{"judge": 42}] * 2
