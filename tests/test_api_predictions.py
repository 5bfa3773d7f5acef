"""Predictions (EVALS.md): the create's rules, exact round trips, read, list, finish, delete."""

import json

import pytest
from sqlalchemy import select

from app import storage
from app.extensions import db
from app.models import Prediction, Score
from app.services import predictions
from tests.answers import error_locs, errors_of, jsonl
from tests.builders import (
    basic,
    make_api_user,
    post_prediction,
    post_run,
    post_score,
    prediction_body,
)
from tests.test_api_read_list_delete import ROUND_TRIP_VALUES

URL = "/v2/team/proj/predictions"
REQUIRED = ("model", "inputs", "output")
SPAN = {"span_id": "span-1", "trace_id": "trace-1"}


@pytest.fixture
def key(app):
    return make_api_user(app, "alice")[1]


def create(client, key, body):
    return client.post(URL, json=body, headers=basic(key))


def post_raw(client, key, raw: bytes):
    return client.post(URL, data=raw, headers={**basic(key), "Content-Type": "application/json"})


def read(client, key, prediction_id, url=URL):
    return client.get(f"{url}/{prediction_id}", headers=basic(key))


def list_lines(client, key, query=""):
    return jsonl(client.get(f"{URL}{query}", headers=basic(key)))


# --- Create ---------------------------------------------------------------------------------


def test_create_returns_a_uuid7_id_and_ids_sort_by_creation(client, key):
    first = create(client, key, prediction_body())
    assert first.status_code == 200 and list(first.get_json()) == ["prediction_id"]
    ids = [first.get_json()["prediction_id"]] + [post_prediction(client, key) for _ in range(5)]
    assert all(len(i) == 36 and i[14] == "7" for i in ids) and ids == sorted(ids)


def test_every_missing_field_is_reported_in_field_order(client, key):
    assert errors_of(create(client, key, {})) == [
        {"type": "missing", "loc": ["body", field], "msg": "Field required", "input": {}}
        for field in REQUIRED
    ]


@pytest.mark.parametrize("bad", [5, 1.5, True, None, {"a": 1}, ["a"]])
def test_string_fields_refuse_other_types(client, key, bad):
    errors = errors_of(create(client, key, prediction_body(model=bad, evaluation_run_id=bad)))
    fields = ["model"] + ([] if bad is None else ["evaluation_run_id"])
    assert errors == [
        {
            "type": "string_type",
            "loc": ["body", field],
            "msg": "Input should be a valid string",
            "input": bad,
        }
        for field in fields
    ]


@pytest.mark.parametrize("bad", [5, "text", True, None, [], [{"a": 1}]])
def test_inputs_must_be_an_object(client, key, bad):
    assert errors_of(create(client, key, prediction_body(inputs=bad))) == [
        {
            "type": "dict_type",
            "loc": ["body", "inputs"],
            "msg": "Input should be a valid dictionary",
            "input": bad,
        }
    ]


@pytest.mark.parametrize(
    ("field", "limit"), [("model", 1024), ("evaluation_run_id", 256)], ids=["model", "run"]
)
def test_length_limits(client, key, field, limit):
    prediction_id = post_prediction(client, key, **{field: "é" * limit})
    assert read(client, key, prediction_id).get_json()[field] == "é" * limit
    for short, error_type in (("x" * (limit + 1), "string_too_long"), ("", "string_too_short")):
        errors = errors_of(create(client, key, prediction_body(**{field: short})))
        bound = {"max_length": limit} if short else {"min_length": 1}
        assert [(e["type"], e["loc"], e["ctx"]) for e in errors] == [
            (error_type, ["body", field], bound)
        ]


@pytest.mark.parametrize("field", ["model", "evaluation_run_id"])
def test_nul_in_identifiers_is_refused(client, key, field):
    response = create(client, key, prediction_body(**{field: "a\u0000b"}))
    assert error_locs(response) == [("string_null_character", ["body", field])]


def test_output_may_be_null_and_the_run_may_be_null(client, key):
    prediction_id = post_prediction(client, key, output=None, evaluation_run_id=None)
    body = read(client, key, prediction_id).get_json()
    assert body["output"] is None and body["evaluation_run_id"] is None


def test_a_run_id_is_free_text(client, key):
    prediction_id = post_prediction(client, key, evaluation_run_id="never-created")
    assert read(client, key, prediction_id).get_json()["evaluation_run_id"] == "never-created"


# genai_span_ref: null, or a list of {span_id, trace_id} strings of 1 to 256 characters.


@pytest.mark.parametrize("spans", [None, [], [SPAN], [SPAN, {"span_id": "s2", "trace_id": "t2"}]])
def test_span_refs_are_stored_as_sent(client, key, spans):
    prediction_id = post_prediction(client, key, genai_span_ref=spans)
    assert read(client, key, prediction_id).get_json()["genai_span_ref"] == spans


def test_unknown_keys_of_a_span_ref_are_ignored(client, key):
    prediction_id = post_prediction(client, key, genai_span_ref=[{**SPAN, "extra": 1}])
    assert read(client, key, prediction_id).get_json()["genai_span_ref"] == [SPAN]


@pytest.mark.parametrize("bad", [5, "s", True, {"span_id": "s", "trace_id": "t"}])
def test_span_refs_must_be_a_list(client, key, bad):
    errors = errors_of(create(client, key, prediction_body(genai_span_ref=bad)))
    assert errors == [
        {
            "type": "list_type",
            "loc": ["body", "genai_span_ref"],
            "msg": "Input should be a valid list",
            "input": bad,
        }
    ]


@pytest.mark.parametrize("bad", [5, "s", None, ["s"]])
def test_each_span_ref_must_be_an_object(client, key, bad):
    errors = errors_of(create(client, key, prediction_body(genai_span_ref=[SPAN, bad])))
    assert errors == [
        {
            "type": "model_type",
            "loc": ["body", "genai_span_ref", 1],
            "msg": "Input should be a valid dictionary or instance of GenaiSpanRef",
            "input": bad,
            "ctx": {"class_name": "GenaiSpanRef"},
        }
    ]


@pytest.mark.parametrize("field", ["span_id", "trace_id"])
@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        (None, "missing"),
        (1, "string_type"),
        ("", "string_too_short"),
        ("x" * 257, "string_too_long"),
        ("a\u0000b", "string_null_character"),
    ],
)
def test_span_ids_are_strings_of_1_to_256_characters(client, key, field, value, error_type):
    span = {**SPAN, field: value} if value is not None else {"span_id": "s", "trace_id": "t"}
    if value is None:
        del span[field]
    response = create(client, key, prediction_body(genai_span_ref=[span]))
    assert error_locs(response) == [(error_type, ["body", "genai_span_ref", 0, field])]
    at_limit = {**SPAN, field: "é" * 256}
    assert create(client, key, prediction_body(genai_span_ref=[at_limit])).status_code == 200


# Values: inputs and output follow the score value rules.


@pytest.mark.parametrize("value", ROUND_TRIP_VALUES, ids=range(len(ROUND_TRIP_VALUES)))
def test_inputs_and_output_round_trip_exactly(client, key, value):
    # Sent as json.dumps writes it: the test client's json= would sort the keys.
    raw = json.dumps(prediction_body(inputs={"v": value, "k": 1}, output=value)).encode()
    prediction_id = post_raw(client, key, raw).get_json()["prediction_id"]
    for body in (
        json.loads(read(client, key, prediction_id).get_data(as_text=True)),
        list_lines(client, key)[-1],
    ):
        assert body["inputs"] == {"v": value, "k": 1} and list(body["inputs"]) == ["v", "k"]
        assert body["output"] == value and type(body["output"]) is type(value)


def test_value_text_is_returned_as_sent(client, key):
    raw = (
        b'{"model":"m","inputs":{"b":1,"a":[1.0,1e-7]},'
        b'"output":{"z":0.1,"a":10000000000000000000001}}'
    )
    text = read(client, key, post_raw(client, key, raw).get_json()["prediction_id"]).get_data(
        as_text=True
    )
    assert '"inputs":{"b":1,"a":[1.0,1e-07]}' in text
    assert '"output":{"z":0.1,"a":10000000000000000000001}' in text


def _nest(levels, leaf=1):
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def test_values_nested_64_levels_are_accepted_65_are_not(client, key):
    assert create(client, key, prediction_body(inputs={"v": _nest(63)})).status_code == 200
    assert create(client, key, prediction_body(output=_nest(64))).status_code == 200
    response = create(client, key, prediction_body(inputs={"v": _nest(64)}, output=_nest(65)))
    assert error_locs(response) == [
        ("json_too_deep", ["body", "inputs"]),
        ("json_too_deep", ["body", "output"]),
    ]


@pytest.mark.parametrize("field", ["inputs", "output"])
def test_absurd_nesting_names_its_field(client, key, field):
    deep = b"[" * 100_000 + b"]" * 100_000
    parts = {"model": b'"m"', "inputs": b'{"q":1}', "output": b"1"}
    parts[field] = b'{"deep":' + deep + b"}" if field == "inputs" else deep
    raw = b"{" + b",".join(b'"%s":%s' % (name.encode(), part) for name, part in parts.items())
    assert error_locs(post_raw(client, key, raw + b"}")) == [("json_too_deep", ["body", field])]


@pytest.mark.parametrize(
    ("raw", "field", "error_type"),
    [
        (b'{"model":"a\\ud800","inputs":{},"output":1}', "model", "string_unicode"),
        (
            b'{"model":"m","inputs":{"k\\udc00":1},"output":1}',
            "inputs",
            "string_unpaired_surrogate",
        ),
        (
            b'{"model":"m","inputs":{"k":"\\ud800"},"output":1}',
            "inputs",
            "string_unpaired_surrogate",
        ),
        (b'{"model":"m","inputs":{},"output":["\\udfff"]}', "output", "string_unpaired_surrogate"),
        (
            b'{"model":"m","inputs":{},"output":1,"evaluation_run_id":"\\ud800"}',
            "evaluation_run_id",
            "string_unicode",
        ),
        (
            b'{"model":"m","inputs":{},"output":1,"other":"\\ud800"}',
            "other",
            "string_unpaired_surrogate",
        ),
        (b'{"model":"m","inputs":{"n":1e400},"output":1}', "inputs", "finite_number"),
        (b'{"model":"m","inputs":{},"output":-1e400}', "output", "finite_number"),
    ],
)
def test_values_that_cannot_round_trip_are_refused(client, key, raw, field, error_type):
    assert error_locs(post_raw(client, key, raw)) == [(error_type, ["body", field])]


def test_span_ref_with_a_surrogate_names_its_place(client, key):
    raw = (
        b'{"model":"m","inputs":{},"output":1,'
        b'"genai_span_ref":[{"span_id":"\\ud800","trace_id":"t"}]}'
    )
    assert error_locs(post_raw(client, key, raw)) == [
        ("string_unicode", ["body", "genai_span_ref", 0, "span_id"])
    ]


def test_unknown_fields_are_ignored_and_the_author_is_the_key(client, key):
    prediction_id = post_prediction(client, key, wb_user_id="spoof", row_digest="x", extra=[1])
    body = read(client, key, prediction_id).get_json()
    assert body["wb_user_id"] == "alice" and "extra" not in body


def test_the_row_digest_is_the_canonical_inputs_hash(client, key):
    first = post_raw(client, key, b'{"model":"m","inputs":{"b":[1,"\xc3\xa9"],"a":1},"output":1}')
    second = post_raw(
        client, key, b'{"model":"m2","inputs":{ "a": 1, "b": [1, "\\u00e9"] },"output":2}'
    )
    with client.application.app_context():
        digests = db.session.scalars(select(Prediction.row_digest).order_by(Prediction.id)).all()
    assert first.status_code == second.status_code == 200
    assert digests == [predictions.row_digest({"a": 1, "b": [1, "é"]})] * 2


# --- Read -----------------------------------------------------------------------------------


def test_read_returns_every_field_in_order(client, key):
    run_id = post_run(client, key)
    prediction_id = post_prediction(
        client, key, model="mm", inputs={"q": "2+2"}, output="4", evaluation_run_id=run_id,
        genai_span_ref=[SPAN],
    )  # fmt: skip
    response = read(client, key, prediction_id)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == [
        "prediction_id",
        "model",
        "inputs",
        "output",
        "evaluation_run_id",
        "wb_user_id",
        "created_at",
        "genai_span_ref",
    ]
    assert {name: body[name] for name in list(body)[:6]} == {
        "prediction_id": prediction_id,
        "model": "mm",
        "inputs": {"q": "2+2"},
        "output": "4",
        "evaluation_run_id": run_id,
        "wb_user_id": "alice",
    }
    assert len(body["created_at"]) == 27 and body["created_at"].endswith("Z")
    assert body["genai_span_ref"] == [SPAN]


# --- List -----------------------------------------------------------------------------------


def test_list_is_oldest_first_with_filter_limit_offset(client, key):
    ids = [
        post_prediction(client, key, evaluation_run_id=("run-a" if i % 2 else None))
        for i in range(7)
    ]

    def listed(query=""):
        return [p["prediction_id"] for p in list_lines(client, key, query)]

    assert listed() == ids
    assert listed("?evaluation_run_id=run-a") == ids[1::2]
    assert listed("?limit=3") == ids[:3]
    assert listed("?limit=2&offset=3") == ids[3:5]
    assert listed("?offset=5") == ids[5:]
    assert listed("?evaluation_run_id=run-a&limit=1&offset=1") == [ids[3]]
    assert listed("?limit=0") == [] and listed("?evaluation_run_id=nope") == []
    assert listed("?evaluation_run_id=run%00") == []


def test_list_lines_are_read_objects(client, key):
    prediction_id = post_prediction(client, key, genai_span_ref=[SPAN])
    assert list_lines(client, key) == [read(client, key, prediction_id).get_json()]


def test_list_streams_many_predictions(app, client, key):
    rows = [
        predictions.new_prediction_row(
            "team",
            "proj",
            model="m",
            inputs={"i": i},
            output=i,
            evaluation_run_id=None,
            genai_span_ref=None,
            author="alice",
        )  # fmt: skip
        for i in range(4321)
    ]
    with app.app_context(), storage.core_write() as connection:
        storage.insert_predictions(connection, rows)
    lines = list_lines(client, key)
    assert [line["output"] for line in lines] == list(range(4321))
    assert [line["prediction_id"] for line in lines] == [row["id"] for row in rows]


# --- Finish ---------------------------------------------------------------------------------


def finished_at(app, prediction_id):
    with app.app_context():
        return db.session.scalar(
            select(Prediction.finished_at).where(Prediction.id == prediction_id)
        )


@pytest.mark.parametrize(
    "headers", [{}, {"Content-Type": "application/json"}], ids=["bare", "json-typed"]
)
def test_finish_takes_no_body(app, client, key, headers):
    prediction_id = post_prediction(client, key)
    assert finished_at(app, prediction_id) is None
    response = client.post(f"{URL}/{prediction_id}/finish", headers={**basic(key), **headers})
    assert response.status_code == 200 and response.get_json() == {"success": True}
    first = finished_at(app, prediction_id)
    assert first is not None
    again = client.post(f"{URL}/{prediction_id}/finish", data=b"ignored {", headers=basic(key))
    assert again.get_json() == {"success": True}
    assert finished_at(app, prediction_id) == first


# --- Delete ---------------------------------------------------------------------------------


def test_delete_takes_the_predictions_scores_with_them(app, client, key):
    first, second, keep = (post_prediction(client, key) for _ in range(3))
    for prediction_id in (first, second, keep):
        post_score(client, key, prediction_id=prediction_id)
    kept_score = post_score(client, key, prediction_id=keep)
    response = client.delete(
        f"{URL}?prediction_ids={first}&prediction_ids={first}&prediction_ids=nope",
        headers=basic(key),
    )
    assert response.status_code == 200 and response.get_json() == {"num_deleted": 1}
    assert client.delete(URL, json=[second], headers=basic(key)).get_json() == {"num_deleted": 1}
    assert [p["prediction_id"] for p in list_lines(client, key)] == [keep]
    with app.app_context():
        kept = db.session.scalars(select(Score.id).where(Score.prediction_id == keep)).all()
        others = db.session.scalars(select(Score.id).where(Score.prediction_id != keep)).all()
    assert kept_score in kept and len(kept) == 2 and others == []
