"""POST /v2/{entity}/{project}/eval_results/query: the worked examples Q1-Q8 of the design
notes (evals-client.md §5), then the rest of the semantics case by case."""

import pytest

from tests.builders import basic, make_api_user, make_prediction, make_run, make_score

CORRECT = "weave:///team/proj/object/correct:v0"
SIMILARITY = "weave:///team/proj/object/similarity:v1"
Y, X, Z = {"q": "2+2"}, {"q": "1+1"}, {"q": "3+3"}
URL = "/v2/team/proj/eval_results/query"


@pytest.fixture
def key(app):
    return make_api_user(app, "evals", entities=("team",))[1]


@pytest.fixture
def example(app):
    """Runs A and B: rows Y and X in both, Z in A only (the notes' table)."""
    a, b = make_run(app), make_run(app)
    table = [
        (a, Y, "4?", False, 0.4),
        (a, X, "2", True, 0.9),
        (a, Z, "6", True, 0.8),
        (b, Y, "4", True, 0.9),
        (b, X, "2", True, 0.7),
    ]
    ids = {}
    for run, inputs, output, correct, similarity in table:
        prediction = make_prediction(app, run, inputs, output)
        ids[run, inputs["q"]] = {
            "prediction": prediction,
            "correct": make_score(app, prediction, CORRECT, correct, run),
            "similarity": make_score(app, prediction, SIMILARITY, similarity, run),
        }
    return {"A": a, "B": b, "ids": ids}


def query(client, key, body, status=200):
    response = client.post(URL, json=body, headers=basic(key))
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def inputs_of(answer) -> list[str]:
    return [row["raw_data_row"]["q"] for row in answer["rows"]]


def runs_body(example, **extra) -> dict:
    return {
        "evaluation_run_ids": [example["A"], example["B"]],
        "include_raw_data_rows": True,
        **extra,
    }


def test_q1_rows_by_digest_with_trials_and_summary(client, key, example):
    answer = query(client, key, runs_body(example, include_summary=True))
    a, b = example["A"], example["B"]
    assert answer["total_rows"] == 3 and answer["warnings"] == []
    assert inputs_of(answer) == ["2+2", "1+1", "3+3"]
    digests = [row["row_digest"] for row in answer["rows"]]
    assert [d[:8] for d in digests] == ["7128bfc0", "add71fc9", "b404b1f1"]
    z = answer["rows"][2]
    assert [e["evaluation_call_id"] for e in z["evaluations"]] == [a]
    x = answer["rows"][1]
    assert [e["evaluation_call_id"] for e in x["evaluations"]] == [a, b]
    ids = example["ids"][a, "1+1"]
    assert x["evaluations"][0]["trials"] == [
        {
            "predict_and_score_call_id": ids["prediction"],
            "predict_call_id": ids["prediction"],
            "model_output": "2",
            "scores": {"correct": True, "similarity": 0.9},
            "scorer_call_ids": {"correct": ids["correct"], "similarity": ids["similarity"]},
            "model_latency_seconds": None,
            "total_tokens": None,
            "total_cost": None,
            "genai_span_ref": None,
        }
    ]
    summary = answer["summary"]
    assert summary["row_count"] == 3
    run_a, run_b = summary["evaluations"]
    assert run_a["evaluation_call_id"] == a and run_a["trial_count"] == 3
    assert run_a["evaluation_ref"] == "weave:///team/proj/object/qa-eval:v1"
    assert run_a["model_ref"] == "weave:///team/proj/object/model:v1"
    assert run_a["trace_id"] == a and run_a["started_at"].endswith("Z")
    correct, similarity = run_a["scorer_stats"]
    assert correct == {
        "scorer_key": "correct",
        "path": None,
        "value_type": "binary",
        "trial_count": 3,
        "numeric_count": 0,
        "numeric_mean": None,
        "numeric_min": None,
        "numeric_max": None,
        "pass_true_count": 2,
        "pass_known_count": 3,
        "pass_rate": pytest.approx(2 / 3),
        "pass_signal_coverage": 1.0,
    }
    assert similarity["value_type"] == "continuous"
    assert similarity["numeric_mean"] == pytest.approx(0.7)
    assert (similarity["numeric_min"], similarity["numeric_max"]) == (0.4, 0.9)
    assert similarity["pass_rate"] is None and similarity["pass_signal_coverage"] == 0.0
    assert run_b["trial_count"] == 2
    assert run_b["scorer_stats"][0]["pass_rate"] == 1.0
    assert run_b["scorer_stats"][1]["numeric_mean"] == pytest.approx(0.8)


def test_q2_intersection_narrows_rows_and_the_summary(client, key, example):
    answer = query(client, key, runs_body(example, include_summary=True, require_intersection=True))
    assert inputs_of(answer) == ["2+2", "1+1"] and answer["total_rows"] == 2
    summary = answer["summary"]
    assert summary["row_count"] == 2
    run_a = summary["evaluations"][0]
    assert run_a["trial_count"] == 2
    assert run_a["scorer_stats"][0]["pass_rate"] == 0.5
    assert run_a["scorer_stats"][1]["numeric_mean"] == pytest.approx(0.65)

    # The same summary when the rows are not asked for, or only one is on the page.
    for extra in ({"include_rows": False}, {"limit": 1}):
        body = runs_body(example, include_summary=True, require_intersection=True, **extra)
        assert query(client, key, body)["summary"] == summary

    whole = query(
        client,
        key,
        runs_body(
            example,
            include_summary=True,
            require_intersection=True,
            summary_require_intersection=False,
        ),
    )
    assert inputs_of(whole) == ["2+2", "1+1"]
    assert (
        whole["summary"] == query(client, key, runs_body(example, include_summary=True))["summary"]
    )


def _eq(field, literal, run=None) -> dict:
    item = {"query": {"$expr": {"$eq": [{"$getField": field}, {"$literal": literal}]}}}
    if run:
        item["evaluation_call_id"] = run
    return item


def test_q3_scoped_filter_casts_for_the_literal(client, key, example):
    a = example["A"]
    for literal, expected in ((False, ["2+2"]), (0, ["2+2"]), ("false", []), ("0", ["2+2"])):
        answer = query(client, key, runs_body(example, filters=[_eq("scores.correct", literal, a)]))
        assert inputs_of(answer) == expected, literal
        assert answer["total_rows"] == len(expected)


def test_q4_unscoped_filter_matches_any_trial(client, key, example):
    expr = {"$gte": [{"$getField": "scores.similarity"}, {"$literal": 0.85}]}
    answer = query(client, key, runs_body(example, filters=[{"query": {"$expr": expr}}]))
    assert inputs_of(answer) == ["2+2", "1+1"]


def test_q5_and_or_across_scoped_filters(client, key, example):
    filters = [_eq("scores.correct", True, example["A"]), _eq("scores.correct", True, example["B"])]
    both = query(client, key, runs_body(example, filters=filters, filter_logic_operator="and"))
    assert inputs_of(both) == ["1+1"]
    either = query(client, key, runs_body(example, filters=filters))
    assert inputs_of(either) == ["2+2", "1+1", "3+3"]


def _sort(direction, mode="value", run=None) -> list:
    item = {"field": "scores.similarity", "direction": direction, "mode": mode}
    if run:
        item["evaluation_call_id"] = run
    return [item]


def test_q6_difference_sort_nulls_last_and_paging(client, key, example):
    desc = query(client, key, runs_body(example, sort_by=_sort("desc", "difference")))
    assert inputs_of(desc) == ["2+2", "1+1", "3+3"]
    asc = query(client, key, runs_body(example, sort_by=_sort("asc", "difference")))
    assert inputs_of(asc) == ["1+1", "2+2", "3+3"]
    page = query(
        client,
        key,
        runs_body(
            example, sort_by=_sort("desc", "difference"), limit=1, offset=1, include_summary=True
        ),
    )
    assert inputs_of(page) == ["1+1"] and page["total_rows"] == 3
    assert page["summary"]["row_count"] == 3


def test_q7_value_sort_scoped_and_unscoped(client, key, example):
    scoped = query(client, key, runs_body(example, sort_by=_sort("asc", run=example["B"])))
    assert inputs_of(scoped) == ["1+1", "2+2", "3+3"]
    unscoped = query(client, key, runs_body(example, sort_by=_sort("desc")))
    assert inputs_of(unscoped) == ["1+1", "3+3", "2+2"]


def test_q8_difference_with_one_run_is_the_value(client, key, example):
    body = {
        "evaluation_run_ids": [example["A"]],
        "include_raw_data_rows": True,
        "sort_by": _sort("desc", "difference"),
    }
    assert inputs_of(query(client, key, body)) == ["1+1", "3+3", "2+2"]
