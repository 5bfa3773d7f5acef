"""The official Weave SDK's generated client, unchanged, against a live server: scores,
evaluation runs and predictions."""

from datetime import datetime

import pytest
from weave.trace_server_bindings.remote_http_trace_server import RemoteHTTPTraceServer
from weave.vendor.weave_server_sdk import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
)

from tests.builders import make_api_user, make_prediction, make_run

PROJECT = "team/proj"
SCORER = "weave:///team/proj/object/exact_match:v0"


def sdk_client(url: str, key: str) -> RemoteHTTPTraceServer:
    client = RemoteHTTPTraceServer(url, password=key)
    # Fail fast in tests: the SDK would otherwise retry 5xx and timeouts.
    client._stainless_client = client._stainless_client.with_options(max_retries=0)
    return client


@pytest.fixture
def sdk(app, live_server):
    _user, key = make_api_user(app, "sdk-user", entities=("team",))
    return sdk_client(live_server, key)


VALUES = [0.75, {"correct": True, "n": [1, None], "text": "日本"}, "ok", None]


def test_create_read_list_delete(sdk):
    ids = []
    for index, value in enumerate(VALUES):
        request = {
            "project_id": PROJECT,
            "prediction_id": f"pred-{index}",
            "scorer": SCORER,
            "value": value,
        }
        if index % 2 == 0:
            request["evaluation_run_id"] = "run-1"
        ids.append(sdk.score_create(request).score_id)
    assert ids == sorted(ids) and len(set(ids)) == 4

    for index, value in enumerate(VALUES):
        score = sdk.score_read({"project_id": PROJECT, "score_id": ids[index]})
        assert score.score_id == ids[index]
        assert score.prediction_id == f"pred-{index}"
        assert score.scorer == SCORER
        assert score.value == value
        assert score.evaluation_run_id == ("run-1" if index % 2 == 0 else None)
        assert score.wb_user_id == "sdk-user"
        assert score.created_at.endswith("Z")

    listed = list(sdk.score_list({"project_id": PROJECT}))
    assert [s.score_id for s in listed] == ids
    assert [s.value for s in listed] == VALUES

    filtered = list(sdk.score_list({"project_id": PROJECT, "evaluation_run_id": "run-1"}))
    assert [s.score_id for s in filtered] == [ids[0], ids[2]]
    page = list(sdk.score_list({"project_id": PROJECT, "limit": 2, "offset": 1}))
    assert [s.score_id for s in page] == ids[1:3]
    page = list(
        sdk.score_list(
            {"project_id": PROJECT, "evaluation_run_id": "run-1", "limit": 1, "offset": 1}
        )
    )
    assert [(s.score_id, s.value) for s in page] == [(ids[2], "ok")]

    deleted = sdk.score_delete({"project_id": PROJECT, "score_ids": [ids[0], ids[1], "nope"]})
    assert deleted.num_deleted == 2
    with pytest.raises(NotFoundError):
        sdk.score_read({"project_id": PROJECT, "score_id": ids[0]})
    assert [s.score_id for s in sdk.score_list({"project_id": PROJECT})] == ids[2:]


def test_list_of_many_scores_through_the_sdk(sdk):
    ids = [
        sdk.score_create(
            {"project_id": PROJECT, "prediction_id": f"p{i}", "scorer": SCORER, "value": i}
        ).score_id
        for i in range(60)
    ]
    listed = list(sdk.score_list({"project_id": PROJECT}))
    assert [s.score_id for s in listed] == ids
    assert [s.value for s in listed] == list(range(60))


def test_wrong_key_is_an_authentication_error(live_server):
    bad = sdk_client(live_server, "sk_wrong")
    with pytest.raises(AuthenticationError) as caught:
        bad.score_create({"project_id": PROJECT, "prediction_id": "x", "scorer": "s", "value": 1})
    assert caught.value.status_code == 401
    assert caught.value.body == {"detail": "Invalid authentication credentials"}


def test_entity_not_granted_is_a_permission_error(sdk):
    with pytest.raises(PermissionDeniedError):
        sdk.score_create(
            {"project_id": "elsewhere/proj", "prediction_id": "x", "scorer": "s", "value": 1}
        )


def test_eval_results_query_through_the_sdk(app, sdk):
    baseline, candidate = make_run(app), make_run(app, model="weave:///team/proj/object/m:v2")
    rows = [({"q": "1+1"}, "2", True, "2"), ({"q": "2+2"}, "4", False, "5")]
    for inputs, right, still_right, answer in rows:
        for run, output, correct in ((baseline, right, True), (candidate, answer, still_right)):
            prediction = make_prediction(app, run, inputs, output)
            sdk.score_create(
                {
                    "project_id": PROJECT,
                    "prediction_id": prediction,
                    "scorer": SCORER,
                    "value": {"correct": correct, "score": 1.0 if correct else 0.25},
                    "evaluation_run_id": run,
                }
            )
    result = sdk.eval_results_query(
        {
            "project_id": PROJECT,
            "evaluation_run_ids": [baseline, candidate],
            "include_summary": True,
            "include_raw_data_rows": True,
            "filters": [
                {
                    "query": {
                        "$expr": {
                            "$eq": [
                                {"$getField": "scores.exact_match.correct"},
                                {"$literal": False},
                            ]
                        }
                    },
                    "evaluation_call_id": candidate,
                }
            ],
            "sort_by": [
                {"field": "scores.exact_match.score", "direction": "desc", "mode": "difference"}
            ],
            "limit": 10,
        }
    )
    assert result.total_rows == 1 and result.warnings == []
    (row,) = result.rows
    assert row.raw_data_row == {"q": "2+2"}
    assert [e.evaluation_call_id for e in row.evaluations] == [baseline, candidate]
    trial = row.evaluations[1].trials[0]
    assert trial.api_model_output == "5"
    assert trial.scores == {"exact_match": {"correct": False, "score": 0.25}}
    assert set(trial.scorer_call_ids) == {"exact_match"}
    assert trial.predict_call_id == trial.predict_and_score_call_id
    summary = result.summary
    assert summary.row_count == 2
    first, second = summary.evaluations
    assert second.api_model_ref == "weave:///team/proj/object/m:v2" and second.trial_count == 2
    stats = {stat.path: stat for stat in second.scorer_stats}
    assert stats["correct"].value_type == "binary" and stats["correct"].pass_rate == 0.5
    assert stats["score"].numeric_mean == 0.625 and stats["score"].pass_signal_coverage == 0.0
    assert first.scorer_stats[0].pass_rate == 1.0

    with pytest.raises(UnprocessableEntityError) as caught:
        sdk.eval_results_query(
            {
                "project_id": PROJECT,
                "evaluation_run_ids": [baseline],
                "sort_by": [{"field": "scores.nope", "direction": "asc"}],
            }  # fmt: skip
        )
    (error,) = caught.value.body["detail"]
    assert error["loc"] == ["body", "sort_by", 0, "field"] and "scores.nope" in error["msg"]
    with pytest.raises(PermissionDeniedError):
        sdk.eval_results_query({"project_id": "elsewhere/proj", "evaluation_run_ids": [baseline]})


# Evaluation runs and predictions: the ten client methods, with the requests of
# /work/notes/evals-client.md §2, and their typed answers.

EVALUATION = "weave:///team/proj/object/qa_eval:v1"
MODEL = "weave:///team/proj/object/gpt_model:v3"


def test_evaluation_runs_through_the_sdk(sdk):
    first = sdk.evaluation_run_create(
        {"project_id": PROJECT, "evaluation": EVALUATION, "model": MODEL,
         "source_evaluation_run_id": None}
    )  # fmt: skip
    second = sdk.evaluation_run_create(
        {"project_id": PROJECT, "evaluation": EVALUATION, "model": "m2",
         "source_evaluation_run_id": first.evaluation_run_id}
    )  # fmt: skip
    third = sdk.evaluation_run_create({"project_id": PROJECT, "evaluation": "ev2", "model": "m2"})
    ids = [first.evaluation_run_id, second.evaluation_run_id, third.evaluation_run_id]
    assert ids == sorted(ids) and len(set(ids)) == 3

    run = sdk.evaluation_run_read({"project_id": PROJECT, "evaluation_run_id": ids[0]})
    assert (run.evaluation_run_id, run.evaluation, run.model) == (ids[0], EVALUATION, MODEL)
    assert run.status == "running" and run.finished_at is None and run.summary is None
    assert isinstance(run.started_at, datetime) and run.started_at.tzinfo is not None
    assert run.source_evaluation_run_id is None
    again = sdk.evaluation_run_read({"project_id": PROJECT, "evaluation_run_id": ids[1]})
    assert again.source_evaluation_run_id == ids[0]

    listed = list(sdk.evaluation_run_list({"project_id": PROJECT}))
    assert [r.evaluation_run_id for r in listed] == ids
    assert all(isinstance(r.started_at, datetime) for r in listed)
    filtered = sdk.evaluation_run_list(
        {"project_id": PROJECT,
         "filter": {"evaluation_run_ids": ids[:2], "evaluations": [EVALUATION], "models": ["m2"]},
         "limit": 5, "offset": 0}
    )  # fmt: skip
    assert [r.evaluation_run_id for r in filtered] == [ids[1]]
    page = sdk.evaluation_run_list(
        {"project_id": PROJECT, "models": ["m2"], "limit": 1, "offset": 1}
    )
    assert [r.evaluation_run_id for r in page] == [ids[2]]

    done = sdk.evaluation_run_finish(
        {"project_id": PROJECT, "evaluation_run_id": ids[0], "summary": {"acc": 0.5}}
    )
    assert done.success is True
    finished = sdk.evaluation_run_read({"project_id": PROJECT, "evaluation_run_id": ids[0]})
    assert finished.status == "finished" and finished.summary == {"acc": 0.5}
    assert isinstance(finished.finished_at, datetime)
    # No summary at all ({} on the wire) and an explicit None both store null.
    assert sdk.evaluation_run_finish({"project_id": PROJECT, "evaluation_run_id": ids[1]}).success
    sdk.evaluation_run_finish({"project_id": PROJECT, "evaluation_run_id": ids[0], "summary": None})
    for run_id in ids[:2]:
        assert (
            sdk.evaluation_run_read({"project_id": PROJECT, "evaluation_run_id": run_id}).summary
            is None
        )
    with pytest.raises(NotFoundError) as caught:
        sdk.evaluation_run_finish({"project_id": PROJECT, "evaluation_run_id": "nope"})
    assert caught.value.body == {"detail": "Evaluation run not found"}
    with pytest.raises(UnprocessableEntityError):
        sdk.evaluation_run_finish(
            {"project_id": PROJECT, "evaluation_run_id": ids[2], "summary": [1]}
        )

    deleted = sdk.evaluation_run_delete(
        {"project_id": PROJECT, "evaluation_run_ids": [ids[0], ids[1], "nope"]}
    )
    assert deleted.num_deleted == 2
    with pytest.raises(NotFoundError) as caught:
        sdk.evaluation_run_read({"project_id": PROJECT, "evaluation_run_id": ids[0]})
    assert caught.value.body == {"detail": "Evaluation run not found"}
    assert [r.evaluation_run_id for r in sdk.evaluation_run_list({"project_id": PROJECT})] == ids[
        2:
    ]
    # An empty list sends no ids at all: the server says which parameter is missing.
    with pytest.raises(UnprocessableEntityError) as caught:
        sdk.evaluation_run_delete({"project_id": PROJECT, "evaluation_run_ids": []})
    assert caught.value.body["detail"][0]["loc"] == ["query", "evaluation_run_ids"]


def test_predictions_through_the_sdk(sdk):
    run_id = sdk.evaluation_run_create(
        {"project_id": PROJECT, "evaluation": EVALUATION, "model": MODEL}
    ).evaluation_run_id
    spans = [{"span_id": "s", "trace_id": "t"}]
    requests = [
        {"project_id": PROJECT, "model": MODEL, "inputs": {"q": 1}, "output": None,
         "evaluation_run_id": run_id, "genai_span_ref": spans},
        {"project_id": PROJECT, "model": MODEL, "inputs": {"q": "日本", "n": [1, None]},
         "output": {"answer": 2, "big": 2**70}, "evaluation_run_id": run_id},
        {"project_id": PROJECT, "model": "m2", "inputs": {}, "output": "text"},
    ]  # fmt: skip
    ids = [sdk.prediction_create(request).prediction_id for request in requests]
    assert ids == sorted(ids) and len(set(ids)) == 3

    for prediction_id, request in zip(ids, requests, strict=True):
        prediction = sdk.prediction_read({"project_id": PROJECT, "prediction_id": prediction_id})
        assert prediction.prediction_id == prediction_id
        assert (prediction.model, prediction.inputs) == (request["model"], request["inputs"])
        assert prediction.output == request["output"]
        assert prediction.evaluation_run_id == request.get("evaluation_run_id")
        assert prediction.wb_user_id == "sdk-user"
        # Additions the client keeps (its models allow extra fields).
        assert prediction.genai_span_ref == request.get("genai_span_ref")
        assert prediction.created_at.endswith("Z")

    listed = list(sdk.prediction_list({"project_id": PROJECT}))
    assert [p.prediction_id for p in listed] == ids
    assert [p.output for p in listed] == [r["output"] for r in requests]
    of_run = sdk.prediction_list(
        {"project_id": PROJECT, "evaluation_run_id": run_id, "limit": 10, "offset": 0}
    )
    assert [p.prediction_id for p in of_run] == ids[:2]
    page = sdk.prediction_list({"project_id": PROJECT, "limit": 1, "offset": 1})
    assert [p.prediction_id for p in page] == [ids[1]]

    assert sdk.prediction_finish({"project_id": PROJECT, "prediction_id": ids[0]}).success is True
    assert sdk.prediction_finish({"project_id": PROJECT, "prediction_id": ids[0]}).success is True
    with pytest.raises(NotFoundError) as caught:
        sdk.prediction_finish({"project_id": PROJECT, "prediction_id": "nope"})
    assert caught.value.body == {"detail": "Prediction not found"}

    score = sdk.score_create(
        {"project_id": PROJECT, "prediction_id": ids[0], "scorer": SCORER, "value": 1}
    )
    deleted = sdk.prediction_delete({"project_id": PROJECT, "prediction_ids": [ids[0], "nope"]})
    assert deleted.num_deleted == 1
    with pytest.raises(NotFoundError) as caught:
        sdk.prediction_read({"project_id": PROJECT, "prediction_id": ids[0]})
    assert caught.value.body == {"detail": "Prediction not found"}
    with pytest.raises(NotFoundError):  # its score went with it
        sdk.score_read({"project_id": PROJECT, "score_id": score.score_id})
    assert [p.prediction_id for p in sdk.prediction_list({"project_id": PROJECT})] == ids[1:]

    # Deleting the run takes its remaining prediction; the one outside any run stays.
    assert (
        sdk.evaluation_run_delete(
            {"project_id": PROJECT, "evaluation_run_ids": [run_id]}
        ).num_deleted
        == 1
    )
    assert [p.prediction_id for p in sdk.prediction_list({"project_id": PROJECT})] == ids[2:]


def test_the_sdks_bad_bodies_get_fastapi_errors(sdk):
    with pytest.raises(UnprocessableEntityError) as caught:
        sdk.prediction_create({"project_id": PROJECT, "model": "", "inputs": [1], "output": 1})
    assert [(e["type"], e["loc"]) for e in caught.value.body["detail"]] == [
        ("string_too_short", ["body", "model"]),
        ("dict_type", ["body", "inputs"]),
    ]
    with pytest.raises(UnprocessableEntityError) as caught:
        sdk.evaluation_run_create({"project_id": PROJECT, "evaluation": 1, "model": "m"})
    assert [(e["type"], e["loc"]) for e in caught.value.body["detail"]] == [
        ("string_type", ["body", "evaluation"])
    ]


def test_a_refused_key_on_the_evaluation_routes(sdk, live_server):
    bad = sdk_client(live_server, "sk_wrong")
    with pytest.raises(AuthenticationError):
        bad.prediction_create({"project_id": PROJECT, "model": "m", "inputs": {}, "output": 1})
    with pytest.raises(AuthenticationError):
        list(bad.evaluation_run_list({"project_id": PROJECT}))
    with pytest.raises(PermissionDeniedError):
        sdk.evaluation_run_create({"project_id": "elsewhere/proj", "evaluation": "e", "model": "m"})
    with pytest.raises(PermissionDeniedError):
        sdk.prediction_create(
            {"project_id": "elsewhere/proj", "model": "m", "inputs": {}, "output": 1}
        )
