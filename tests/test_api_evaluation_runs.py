"""Evaluation runs (EVALS.md): the create's rules, read, list, finish and delete."""

import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import EvaluationRun, Prediction, Score
from tests.answers import error_locs, errors_of, jsonl
from tests.builders import (
    basic,
    make_api_user,
    post_prediction,
    post_run,
    post_score,
    run_body,
)

URL = "/v2/team/proj/evaluation_runs"
REF_FIELDS = ("evaluation", "model")


@pytest.fixture
def key(app):
    return make_api_user(app, "alice")[1]


def create(client, key, body):
    return client.post(URL, json=body, headers=basic(key))


def read(client, key, run_id, url=URL):
    return client.get(f"{url}/{run_id}", headers=basic(key))


def finish(client, key, run_id, body, url=URL):
    return client.post(f"{url}/{run_id}/finish", json=body, headers=basic(key))


def list_lines(client, key, query=""):
    return jsonl(client.get(f"{URL}{query}", headers=basic(key)))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- Create ---------------------------------------------------------------------------------


def test_create_returns_a_uuid7_id_and_ids_sort_by_creation(client, key):
    first = create(client, key, run_body())
    assert first.status_code == 200 and first.mimetype == "application/json"
    assert list(first.get_json()) == ["evaluation_run_id"]
    ids = [first.get_json()["evaluation_run_id"]] + [post_run(client, key) for _ in range(5)]
    assert all(len(run_id) == 36 and run_id[14] == "7" for run_id in ids)
    assert ids == sorted(ids)


def test_every_missing_field_is_reported_in_field_order(client, key):
    assert errors_of(create(client, key, {})) == [
        {"type": "missing", "loc": ["body", field], "msg": "Field required", "input": {}}
        for field in REF_FIELDS
    ]


@pytest.mark.parametrize("bad", [5, 1.5, True, None, {"a": 1}, ["a"]])
def test_string_fields_refuse_other_types(client, key, bad):
    body = {"evaluation": bad, "model": bad, "source_evaluation_run_id": bad}
    errors = errors_of(create(client, key, body))
    fields = [*REF_FIELDS] + ([] if bad is None else ["source_evaluation_run_id"])
    assert errors == [
        {
            "type": "string_type",
            "loc": ["body", field],
            "msg": "Input should be a valid string",
            "input": bad,
        }
        for field in fields
    ]


def test_empty_strings_are_too_short(client, key):
    body = {"evaluation": "", "model": "", "source_evaluation_run_id": ""}
    errors = errors_of(create(client, key, body))
    assert [error["loc"][1] for error in errors] == [*REF_FIELDS, "source_evaluation_run_id"]
    for error in errors:
        assert error["type"] == "string_too_short"
        assert error["msg"] == "String should have at least 1 character"
        assert error["ctx"] == {"min_length": 1}


@pytest.mark.parametrize(
    ("field", "limit"), [("evaluation", 1024), ("model", 1024), ("source_evaluation_run_id", 256)]
)
def test_length_limits(client, key, field, limit):
    run_id = post_run(client, key, **{field: "é" * limit})
    assert read(client, key, run_id).get_json()[field] == "é" * limit
    errors = errors_of(create(client, key, run_body(**{field: "x" * (limit + 1)})))
    assert errors == [
        {
            "type": "string_too_long",
            "loc": ["body", field],
            "msg": f"String should have at most {limit} characters",
            "input": "x" * (limit + 1),
            "ctx": {"max_length": limit},
        }
    ]


@pytest.mark.parametrize("field", [*REF_FIELDS, "source_evaluation_run_id"])
def test_nul_is_refused(client, key, field):
    errors = errors_of(create(client, key, run_body(**{field: "a\u0000b"})))
    assert [(e["type"], e["loc"]) for e in errors] == [("string_null_character", ["body", field])]


@pytest.mark.parametrize("field", [*REF_FIELDS, "source_evaluation_run_id", "other"])
def test_unpaired_surrogate_names_its_field(client, key, field):
    body = {**run_body(), field: "PLACEHOLDER"}
    raw = json.dumps(body).replace("PLACEHOLDER", "a\\ud800b").encode()
    response = client.post(
        URL, data=raw, headers={**basic(key), "Content-Type": "application/json"}
    )
    errors = errors_of(response)
    # pydantic itself refuses surrogates in its string fields; the rest is our check.
    expected = "string_unpaired_surrogate" if field == "other" else "string_unicode"
    assert [(e["type"], e["loc"]) for e in errors] == [(expected, ["body", field])]


def test_unknown_fields_are_ignored_and_the_author_is_the_key(client, key):
    run_id = post_run(client, key, status="finished", wb_user_id="spoof", summary={"x": 1})
    body = read(client, key, run_id).get_json()
    assert (body["status"], body["summary"]) == ("running", None)
    with client.application.app_context():
        assert db.session.scalar(select(EvaluationRun.created_by)) == "alice"


def test_source_run_may_be_null_or_name_any_run(client, key):
    assert (
        read(client, key, post_run(client, key, source_evaluation_run_id=None)).status_code == 200
    )
    run_id = post_run(client, key, source_evaluation_run_id="never-created")
    assert read(client, key, run_id).get_json()["source_evaluation_run_id"] == "never-created"


# --- Read -----------------------------------------------------------------------------------


def test_read_returns_every_field_in_order(client, key):
    run_id = post_run(
        client, key, evaluation="weave:///e/p/object/ev:v0", model="m", source_evaluation_run_id="s"
    )
    body = read(client, key, run_id).get_json()
    assert list(body) == [
        "evaluation_run_id",
        "evaluation",
        "model",
        "status",
        "started_at",
        "finished_at",
        "summary",
        "source_evaluation_run_id",
    ]
    assert body["evaluation_run_id"] == run_id
    assert (body["evaluation"], body["model"], body["source_evaluation_run_id"]) == (
        "weave:///e/p/object/ev:v0",
        "m",
        "s",
    )
    assert (body["status"], body["finished_at"], body["summary"]) == ("running", None, None)
    assert len(body["started_at"]) == 27 and body["started_at"].endswith("Z")


def test_a_run_only_scores_name_is_not_a_created_run(client, key):
    post_score(client, key, evaluation_run_id="named-only")
    assert read(client, key, "named-only").status_code == 404
    assert list_lines(client, key) == []


# --- List -----------------------------------------------------------------------------------


def test_list_is_oldest_first_with_every_filter(client, key):
    ids = [post_run(client, key, evaluation=f"ev{i % 2}", model=f"m{i % 3}") for i in range(6)]
    assert [r["evaluation_run_id"] for r in list_lines(client, key)] == ids

    def listed(query):
        return [r["evaluation_run_id"] for r in list_lines(client, key, query)]

    assert listed("?evaluations=ev0") == ids[0::2]
    assert listed("?evaluations=ev0&evaluations=ev1") == ids
    assert listed("?models=m1") == [ids[1], ids[4]]
    assert listed("?models=m1&models=m2") == [ids[1], ids[2], ids[4], ids[5]]
    assert listed(f"?evaluation_run_ids={ids[3]}&evaluation_run_ids={ids[0]}") == [ids[0], ids[3]]
    # Filters narrow together.
    assert listed("?evaluations=ev0&models=m1") == [ids[4]]
    assert listed(f"?evaluations=ev1&evaluation_run_ids={ids[0]}") == []
    assert listed("?limit=2&offset=1") == ids[1:3]
    assert listed("?models=m0&limit=1&offset=1") == [ids[3]]
    assert listed("?limit=0") == []
    assert listed("?evaluations=nope") == []


def test_list_lines_are_read_objects(client, key):
    run_id = post_run(client, key)
    assert list_lines(client, key) == [read(client, key, run_id).get_json()]


@pytest.mark.parametrize("param", ["evaluation_run_ids", "evaluations", "models"])
def test_nul_in_a_filter_matches_nothing(client, key, param):
    post_run(client, key)
    assert list_lines(client, key, f"?{param}=a%00b") == []


# --- Finish ---------------------------------------------------------------------------------


def test_finish_sets_status_time_and_summary(client, key):
    run_id = post_run(client, key)
    response = finish(client, key, run_id, {"summary": {"acc": 0.5, "n": [1, None]}})
    assert response.status_code == 200 and response.get_json() == {"success": True}
    body = read(client, key, run_id).get_json()
    assert body["status"] == "finished"
    assert body["summary"] == {"acc": 0.5, "n": [1, None]}
    assert len(body["finished_at"]) == 27 and body["finished_at"] >= body["started_at"]


def test_finishing_again_keeps_the_first_time_and_replaces_the_summary(client, key):
    run_id = post_run(client, key)
    finish(client, key, run_id, {"summary": {"first": 1}})
    first = read(client, key, run_id).get_json()
    assert finish(client, key, run_id, {"summary": {"second": 2}}).status_code == 200
    again = read(client, key, run_id).get_json()
    assert again["finished_at"] == first["finished_at"]
    assert again["summary"] == {"second": 2}


@pytest.mark.parametrize("body", [{}, {"summary": None}, {"other": 1}])
def test_a_null_or_absent_summary_is_stored_as_null(client, key, body):
    run_id = post_run(client, key)
    finish(client, key, run_id, {"summary": {"earlier": True}})
    assert finish(client, key, run_id, body).status_code == 200
    assert read(client, key, run_id).get_json()["summary"] is None


@pytest.mark.parametrize("bad", [1, 0.5, "text", True, [1, 2], []])
def test_a_summary_that_is_not_an_object_is_refused(client, key, bad):
    run_id = post_run(client, key)
    assert errors_of(finish(client, key, run_id, {"summary": bad})) == [
        {
            "type": "dict_type",
            "loc": ["body", "summary"],
            "msg": "Input should be a valid dictionary",
            "input": bad,
        }
    ]
    assert read(client, key, run_id).get_json()["status"] == "running"


def _nest(levels):
    value = 1
    for _ in range(levels - 1):
        value = [value]
    return {"v": value} if levels else value


def test_summary_nested_64_levels_is_accepted_65_is_not(client, key):
    run_id = post_run(client, key)
    assert finish(client, key, run_id, {"summary": _nest(64)}).status_code == 200
    errors = errors_of(finish(client, key, run_id, {"summary": _nest(65)}))
    assert [(e["type"], e["loc"]) for e in errors] == [("json_too_deep", ["body", "summary"])]
    assert read(client, key, run_id).get_json()["summary"] == _nest(64)


@pytest.mark.parametrize(
    ("raw", "error_type"),
    [
        (b'{"summary":{"k":"a\\ud800"}}', "string_unpaired_surrogate"),
        (b'{"summary":{"k\\udc00":1}}', "string_unpaired_surrogate"),
        (b'{"summary":{"k":1e400}}', "finite_number"),
        (b'{"summary":{"k":' + b"[" * 5000 + b"]" * 5000 + b"}}", "json_too_deep"),
    ],
)
def test_summary_values_follow_the_value_rules(client, key, raw, error_type):
    run_id = post_run(client, key)
    response = client.post(
        f"{URL}/{run_id}/finish",
        data=raw,
        headers={**basic(key), "Content-Type": "application/json"},
    )
    assert error_locs(response) == [(error_type, ["body", "summary"])]


def test_summary_round_trips_exactly(client, key):
    run_id = post_run(client, key)
    raw = b'{"summary":{"b":1,"a":[1.0,0.1,1e-7,123456789012345678901234567890],"n":"\\u0000"}}'
    client.post(
        f"{URL}/{run_id}/finish",
        data=raw,
        headers={**basic(key), "Content-Type": "application/json"},
    )
    text = read(client, key, run_id).get_data(as_text=True)
    assert (
        '"summary":{"b":1,"a":[1.0,0.1,1e-07,123456789012345678901234567890],"n":"\\u0000"}' in text
    )


def test_finish_with_an_empty_body_is_422(client, key):
    run_id = post_run(client, key)
    response = client.post(
        f"{URL}/{run_id}/finish",
        data=b"",
        headers={**basic(key), "Content-Type": "application/json"},
    )
    assert errors_of(response) == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
    ]


# --- Delete ---------------------------------------------------------------------------------


def test_delete_takes_the_runs_predictions_and_scores_in_one_go(app, client, key):
    run_id, other_run = post_run(client, key), post_run(client, key)
    gone = [post_prediction(client, key, evaluation_run_id=run_id) for _ in range(3)]
    kept = post_prediction(client, key, evaluation_run_id=other_run)
    for prediction_id in gone:
        post_score(client, key, prediction_id=prediction_id)  # a score naming no run
    post_score(client, key, prediction_id="free-text", evaluation_run_id=run_id)
    kept_score = post_score(client, key, prediction_id=kept, evaluation_run_id=other_run)
    response = client.delete(f"{URL}?evaluation_run_ids={run_id}", headers=basic(key))
    assert response.get_json() == {"num_deleted": 1}
    assert count(app, EvaluationRun) == 1
    with app.app_context():
        assert db.session.scalars(select(Prediction.id)).all() == [kept]
        assert db.session.scalars(select(Score.id)).all() == [kept_score]
