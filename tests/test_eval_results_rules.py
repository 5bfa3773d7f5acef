"""eval_results/query refuses bad input with FastAPI-shaped 422s naming the field, checks the
caller before reading the body, and never answers another entity's data."""

import json

import pytest

from app.validation import MAX_ROWS
from tests.builders import basic, make_api_user, make_prediction, make_run, make_score

URL = "/v2/team/proj/eval_results/query"
SCORER = "weave:///team/proj/object/correct:v0"


@pytest.fixture
def key(app):
    return make_api_user(app, "rules", entities=("team",))[1]


@pytest.fixture
def run(app):
    run_id = make_run(app)
    prediction = make_prediction(app, run_id, {"q": "1+1"}, "2")
    make_score(app, prediction, SCORER, {"passed": True, "score": 0.5}, run_id)
    return run_id


def errors_of(response) -> list[dict]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()["detail"]


def expr(operation) -> list:
    return [{"query": {"$expr": operation}}]


GET = {"$getField": "scores.correct"}
ONE = {"$literal": 1}

# (body, loc after "body", error type): one case per field and per rule of the grammar.
BAD_BODIES = [
    ({"evaluation_run_ids": "r"}, ["evaluation_run_ids"], "list_type"),
    ({"evaluation_run_ids": [5]}, ["evaluation_run_ids", 0], "string_type"),
    ({"evaluation_run_ids": [""]}, ["evaluation_run_ids", 0], "string_too_short"),
    ({"evaluation_run_ids": ["x" * 257]}, ["evaluation_run_ids", 0], "string_too_long"),
    ({"evaluation_run_ids": ["a\x00"]}, ["evaluation_run_ids", 0], "string_null_character"),
    ({"evaluation_call_ids": {"a": 1}}, ["evaluation_call_ids"], "list_type"),
    ({"include_rows": "maybe"}, ["include_rows"], "bool_parsing"),
    ({"include_summary": None}, ["include_summary"], "bool_type"),
    ({"include_raw_data_rows": []}, ["include_raw_data_rows"], "bool_type"),
    ({"require_intersection": 2}, ["require_intersection"], "bool_parsing"),
    ({"summary_require_intersection": "x"}, ["summary_require_intersection"], "bool_parsing"),
    ({"include_costs": {}}, ["include_costs"], "bool_type"),
    ({"include_predict_and_score_children": 3}, ["include_predict_and_score_children"],
     "bool_parsing"),
    ({"resolve_row_refs": "nah"}, ["resolve_row_refs"], "bool_parsing"),
    ({"filter_logic_operator": "xor"}, ["filter_logic_operator"], "literal_error"),
    ({"limit": -1}, ["limit"], "greater_than_equal"),
    ({"limit": MAX_ROWS + 1}, ["limit"], "less_than_equal"),
    ({"limit": 1.5}, ["limit"], "int_from_float"),
    ({"limit": "ten"}, ["limit"], "int_parsing"),
    ({"offset": -1}, ["offset"], "greater_than_equal"),
    ({"offset": MAX_ROWS + 1}, ["offset"], "less_than_equal"),
    ({"offset": None}, ["offset"], "int_type"),
    ({"sort_by": {}}, ["sort_by"], "list_type"),
    ({"sort_by": [{"direction": "asc"}]}, ["sort_by", 0, "field"], "missing"),
    ({"sort_by": [{"field": "", "direction": "asc"}]}, ["sort_by", 0, "field"],
     "string_too_short"),
    ({"sort_by": [{"field": "row_digest"}]}, ["sort_by", 0, "direction"], "missing"),
    ({"sort_by": [{"field": "row_digest", "direction": "up"}]}, ["sort_by", 0, "direction"],
     "literal_error"),
    ({"sort_by": [{"field": "row_digest", "direction": "asc", "mode": "spread"}]},
     ["sort_by", 0, "mode"], "literal_error"),
    ({"sort_by": [{"field": "row_digest", "direction": "asc", "evaluation_call_id": 3}]},
     ["sort_by", 0, "evaluation_call_id"], "string_type"),
    ({"filters": "x"}, ["filters"], "list_type"),
    ({"filters": [{"$expr": {"$eq": [GET, ONE]}}]}, ["filters", 0, "query"], "missing"),
    ({"filters": [{"query": {}}]}, ["filters", 0, "query", "$expr"], "missing"),
    ({"filters": [{"query": {"$expr": {"$eq": [GET, ONE]}}, "evaluation_call_id": 7}]},
     ["filters", 0, "evaluation_call_id"], "string_type"),
    ({"filters": expr({"$foo": [GET, ONE]})}, ["filters", 0, "query", "$expr"],
     "operation_type"),
    ({"filters": expr({"$eq": [GET, ONE], "$gt": [GET, ONE]})},
     ["filters", 0, "query", "$expr"], "operation_type"),
    ({"filters": expr(GET)}, ["filters", 0, "query", "$expr"], "operation_type"),
    ({"filters": expr({"$and": []})}, ["filters", 0, "query", "$expr", "$and"], "too_short"),
    ({"filters": expr({"$or": []})}, ["filters", 0, "query", "$expr", "$or"], "too_short"),
    ({"filters": expr({"$or": {"a": 1}})}, ["filters", 0, "query", "$expr", "$or"],
     "list_type"),
    ({"filters": expr({"$not": []})}, ["filters", 0, "query", "$expr", "$not", 0], "missing"),
    ({"filters": expr({"$not": [ONE, ONE]})}, ["filters", 0, "query", "$expr", "$not"],
     "too_long"),
    ({"filters": expr({"$eq": [GET]})}, ["filters", 0, "query", "$expr", "$eq", 1], "missing"),
    ({"filters": expr({"$gt": [GET, ONE, ONE]})}, ["filters", 0, "query", "$expr", "$gt"],
     "too_long"),
    ({"filters": expr({"$gte": [GET, {"$bad": 1}]})},
     ["filters", 0, "query", "$expr", "$gte", 1], "operand_type"),
    ({"filters": expr({"$lt": [GET, 5]})}, ["filters", 0, "query", "$expr", "$lt", 1],
     "operand_type"),
    ({"filters": expr({"$lte": [{"$getField": ""}, ONE]})},
     ["filters", 0, "query", "$expr", "$lte", 0, "$getField"], "string_too_short"),
    ({"filters": expr({"$eq": [{"$getField": 5}, ONE]})},
     ["filters", 0, "query", "$expr", "$eq", 0, "$getField"], "string_type"),
    ({"filters": expr({"$eq": [{"$getField": "a\x00"}, ONE]})},
     ["filters", 0, "query", "$expr", "$eq", 0, "$getField"], "string_null_character"),
    ({"filters": expr({"$in": [GET, ONE]})}, ["filters", 0, "query", "$expr", "$in", 1],
     "list_type"),
    ({"filters": expr({"$in": [GET, [ONE, {}]]})},
     ["filters", 0, "query", "$expr", "$in", 1, 1], "operand_type"),
    ({"filters": expr({"$contains": {"input": GET}})},
     ["filters", 0, "query", "$expr", "$contains", "substr"], "missing"),
    ({"filters": expr({"$contains": {"input": GET, "substr": ONE, "case_insensitive": "x"}})},
     ["filters", 0, "query", "$expr", "$contains", "case_insensitive"], "bool_parsing"),
    ({"filters": expr({"$eq": [{"$convert": {"input": GET, "to": "float"}}, ONE]})},
     ["filters", 0, "query", "$expr", "$eq", 0, "$convert", "to"], "literal_error"),
    ({"filters": expr({"$eq": [{"$literal": "\ud800"}, ONE]})},
     ["filters", 0, "query", "$expr", "$eq", 0, "$literal"], "string_unpaired_surrogate"),
]  # fmt: skip


def test_every_bad_field_is_a_422_at_its_place(client, key):
    for body, loc, error_type in BAD_BODIES:
        errors = errors_of(client.post(URL, json=body, headers=basic(key)))
        assert [(e["loc"], e["type"]) for e in errors] == [(["body", *loc], error_type)], body
        assert all(e["msg"] for e in errors)


def test_every_problem_is_reported_at_once(client, key):
    body = {"limit": -1, "offset": -1, "include_rows": "x", "filter_logic_operator": "all"}
    errors = errors_of(client.post(URL, json=body, headers=basic(key)))
    assert sorted(e["loc"][1] for e in errors) == [
        "filter_logic_operator",
        "include_rows",
        "limit",
        "offset",
    ]


def test_unparseable_and_missing_bodies(client, key):
    headers = {**basic(key), "Content-Type": "application/json"}
    missing = errors_of(client.post(URL, data=b"", headers=headers))
    assert missing == [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
    broken = errors_of(client.post(URL, data=b'{"limit": ', headers=headers))
    assert broken[0]["type"] == "json_invalid" and broken[0]["loc"][0] == "body"
    listed = errors_of(client.post(URL, data=b"[1]", headers=headers))
    assert listed[0]["type"] == "model_attributes_type" and listed[0]["loc"] == ["body"]
    nan = errors_of(client.post(URL, data=b'{"limit": NaN}', headers=headers))
    assert nan[0]["type"] == "json_invalid"
    assert client.post(URL, data=b"\xff\xfe", headers=headers).status_code == 400


def _query(client, key, body, status=200):
    response = client.post(URL, json=body, headers=basic(key))
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_a_field_that_does_not_exist_is_a_422_naming_it(client, key, run):
    get = "$getField"
    cases = [
        ({"$eq": [{get: "scores.nope"}, ONE]}, "scores.nope", "no scorer of the requested runs"),
        ({"$eq": [{get: "scores"}, ONE]}, "scores", "no scorer of the requested runs"),
        ({"$eq": [{get: "summary.tokens"}, ONE]}, "summary.tokens", "a field is one of"),
        ({"$eq": [{get: "input.q"}, ONE]}, "input.q", "a field is one of"),
        ({"$eq": [{get: "row_digests"}, ONE]}, "row_digests", "a field is one of"),
    ]
    for operation, field, words in cases:
        errors = errors_of(
            client.post(
                URL,
                json={"evaluation_run_ids": [run], "filters": expr(operation)},
                headers=basic(key),
            )  # fmt: skip
        )
        assert len(errors) == 1
        assert errors[0]["loc"] == ["body", "filters", 0, "query", "$expr", "$eq", 0, get]
        assert errors[0]["input"] == field and f"'{field}'" in errors[0]["msg"]
        assert words in errors[0]["msg"] and errors[0]["type"] == "value_error"
    # Deep in the tree, and in a sort.
    nested = {"$and": [{"$eq": [GET, ONE]}, {"$not": [{"$gt": [{get: "scores.x.y"}, ONE]}]}]}
    body = {"evaluation_run_ids": [run], "filters": expr(nested)}
    errors = errors_of(client.post(URL, json=body, headers=basic(key)))
    assert errors[0]["loc"][5:] == ["$and", 1, "$not", 0, "$gt", 0, "$getField"]
    for sort, loc, text in [
        ({"field": "scores.nope", "direction": "asc"}, "field", "scores.nope"),
        ({"field": "outputz.a", "direction": "asc"}, "field", "outputz.a"),
        ({"field": "inputs.q", "direction": "asc", "mode": "difference"}, "mode", "difference"),
        ({"field": "row_digest", "direction": "asc", "evaluation_call_id": "r9"},
         "evaluation_call_id", "r9"),
    ]:  # fmt: skip
        body = {"evaluation_run_ids": [run], "sort_by": [sort]}
        errors = errors_of(client.post(URL, json=body, headers=basic(key)))
        assert errors[0]["loc"] == ["body", "sort_by", 0, loc] and errors[0]["input"] == text
    scoped = {"query": {"$expr": {"$eq": [GET, ONE]}}, "evaluation_call_id": "elsewhere"}
    body = {"evaluation_run_ids": [run], "filters": [scoped]}
    errors = errors_of(client.post(URL, json=body, headers=basic(key)))
    assert errors[0]["loc"] == ["body", "filters", 0, "evaluation_call_id"]
    assert "not one of the requested runs" in errors[0]["msg"]


def test_known_fields_of_every_prefix_are_accepted(client, key, run):
    for field in ("scores.correct", "scores.correct.passed", "inputs.q", "inputs", "outputs.x",
                  "output.x", "outputs", "row_digest"):  # fmt: skip
        body = {"evaluation_run_ids": [run], "filters": expr({"$eq": [{"$getField": field}, ONE]})}
        assert _query(client, key, body)["warnings"] == []
        sort = {"evaluation_run_ids": [run], "sort_by": [{"field": field, "direction": "asc"}]}
        assert _query(client, key, sort)["total_rows"] == 1


def test_credentials_are_checked_before_the_body(app, client, key):
    bad = json.dumps({"limit": -1})
    no_auth = client.post(URL, data=bad, content_type="application/json")
    assert no_auth.status_code == 401 and no_auth.get_json() == {"detail": "Not authenticated"}
    wrong = client.post(URL, data=bad, content_type="application/json", headers=basic("sk_no"))
    assert wrong.status_code == 401
    outsider = make_api_user(app, "outsider", entities=("elsewhere",))[1]
    refused = client.post(URL, data=bad, content_type="application/json", headers=basic(outsider))
    assert refused.status_code == 403
    assert refused.get_json() == {"detail": "Not allowed to access entity 'team'"}


def test_runs_of_another_entity_or_project_give_no_data(app, client, key, run):
    # The victim's run id, asked for under the caller's own entity: nothing of it.
    victim_run = make_run(app, entity="victim", project="proj")
    prediction = make_prediction(app, victim_run, {"q": "secret"}, "secret-output",
                                 entity="victim", project="proj")  # fmt: skip
    make_score(app, prediction, SCORER, True, victim_run, entity="victim", project="proj")
    body = {"evaluation_run_ids": [victim_run], "include_summary": True,
            "include_raw_data_rows": True}  # fmt: skip
    answer = _query(client, key, body)
    assert answer["rows"] == [] and answer["total_rows"] == 0
    summary = answer["summary"]["evaluations"][0]
    assert summary["trial_count"] == 0 and summary["scorer_stats"] == []
    assert summary["evaluation_ref"] is None and summary["model_ref"] is None
    other_project = _query(
        client,
        key,
        {**body, "evaluation_run_ids": [run]},
    )
    assert other_project["total_rows"] == 1
    moved = client.post("/v2/team/other/eval_results/query", json=body | {
        "evaluation_run_ids": [run]}, headers=basic(key)).get_json()  # fmt: skip
    assert moved["total_rows"] == 0
    victim_path = client.post("/v2/victim/proj/eval_results/query", json=body, headers=basic(key))
    assert victim_path.status_code == 403
    assert "secret" not in victim_path.get_data(as_text=True)
