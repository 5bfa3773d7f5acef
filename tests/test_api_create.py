"""Create: every row of the contract's validation table, and the deliberate differences."""

import pytest

from tests.answers import errors_of
from tests.builders import basic, make_api_user, score_body

URL = "/v2/team/proj/scores"


@pytest.fixture
def key(app):
    return make_api_user(app)[1]


def post_raw(client, key, data, content_type="application/json"):
    headers = basic(key)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post(URL, data=data, headers=headers)


def test_success_returns_a_uuid7_id(client, key):
    response = client.post(URL, json=score_body(), headers=basic(key))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["score_id"]
    assert len(body["score_id"]) == 36 and body["score_id"][14] == "7"


def test_ids_sort_by_creation(client, key):
    ids = [
        client.post(URL, json=score_body(), headers=basic(key)).get_json()["score_id"]
        for _ in range(20)
    ]
    assert ids == sorted(ids)


def test_every_missing_field_is_reported_in_field_order(client, key):
    errors = errors_of(client.post(URL, json={}, headers=basic(key)))
    assert errors == [
        {"type": "missing", "loc": ["body", field], "msg": "Field required", "input": {}}
        for field in ("prediction_id", "scorer", "value")
    ]


@pytest.mark.parametrize("bad", [5, 1.5, True, None, {"a": 1}, ["a"]])
def test_string_fields_refuse_other_types(client, key, bad):
    body = {"prediction_id": bad, "scorer": bad, "value": 1, "evaluation_run_id": bad}
    errors = errors_of(client.post(URL, json=body, headers=basic(key)))
    expected_fields = ["prediction_id", "scorer"] + ([] if bad is None else ["evaluation_run_id"])
    assert [error["loc"] for error in errors] == [["body", field] for field in expected_fields]
    for error in errors:
        assert error["type"] == "string_type"
        assert error["msg"] == "Input should be a valid string"
        assert error["input"] == bad


def test_empty_strings_are_too_short(client, key):
    body = {"prediction_id": "", "scorer": "", "value": 1, "evaluation_run_id": ""}
    errors = errors_of(client.post(URL, json=body, headers=basic(key)))
    assert [error["loc"][1] for error in errors] == ["prediction_id", "scorer", "evaluation_run_id"]
    for error in errors:
        assert error["type"] == "string_too_short"
        assert error["msg"] == "String should have at least 1 character"
        assert error["ctx"] == {"min_length": 1}


@pytest.mark.parametrize(
    ("field", "limit"), [("prediction_id", 256), ("scorer", 1024), ("evaluation_run_id", 256)]
)
def test_length_limits(client, key, field, limit):
    at_limit = client.post(URL, json=score_body(**{field: "é" * limit}), headers=basic(key))
    assert at_limit.status_code == 200
    errors = errors_of(
        client.post(URL, json=score_body(**{field: "x" * (limit + 1)}), headers=basic(key))
    )
    assert errors == [
        {
            "type": "string_too_long",
            "loc": ["body", field],
            "msg": f"String should have at most {limit} characters",
            "input": "x" * (limit + 1),
            "ctx": {"max_length": limit},
        }
    ]


def test_value_null_and_run_null_are_accepted(client, key):
    response = client.post(
        URL, json=score_body(value=None, evaluation_run_id=None), headers=basic(key)
    )
    assert response.status_code == 200


def test_unknown_fields_are_ignored(client, key):
    response = client.post(
        URL, json=score_body(extra={"x": 1}, wb_user_id="spoof"), headers=basic(key)
    )
    assert response.status_code == 200
    read = client.get(f"{URL}/{response.get_json()['score_id']}", headers=basic(key)).get_json()
    assert "extra" not in read and read["wb_user_id"] != "spoof"


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"42", b"null"])
def test_json_that_is_not_an_object(client, key, body):
    errors = errors_of(post_raw(client, key, body))
    assert len(errors) == 1
    assert errors[0]["type"] == "model_attributes_type"
    assert errors[0]["loc"] == ["body"]
    assert errors[0]["msg"] == "Input should be a valid dictionary or object to extract fields from"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_body_not_sent_as_json(client, key, content_type):
    errors = errors_of(post_raw(client, key, b'{"prediction_id":"p"}', content_type))
    assert [(e["type"], e["loc"]) for e in errors] == [("model_attributes_type", ["body"])]


def test_missing_content_type_is_parsed_as_json(client, key):
    import json

    response = post_raw(client, key, json.dumps(score_body()).encode(), content_type=None)
    assert response.status_code == 200


def test_json_with_suffix_content_type_is_json(client, key):
    import json

    response = post_raw(
        client, key, json.dumps(score_body()).encode(), "application/vnd.api+json; charset=utf-8"
    )
    assert response.status_code == 200


def test_empty_body(client, key):
    errors = errors_of(post_raw(client, key, b""))
    assert errors == [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]


@pytest.mark.parametrize(
    ("body", "position", "message"),
    [
        (b'{"prediction_id": "p",', 22, "Expecting property name enclosed in double quotes"),
        (b"{not json}", 1, "Expecting property name enclosed in double quotes"),
        (b'{"a": 1} trailing', 9, "Extra data"),
        (b'{"value": NaN}', 10, "Expecting value"),
        (b'{"value": [1, Infinity]}', 14, "Expecting value"),
        (b'{"value": -Infinity}', 10, "Expecting value"),
        (b'{"s": "NaN", "value": NaN}', 22, "Expecting value"),
    ],
)
def test_invalid_json(client, key, body, position, message):
    errors = errors_of(post_raw(client, key, body))
    assert errors == [
        {
            "type": "json_invalid",
            "loc": ["body", position],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": message},
        }
    ]


def test_value_nested_64_levels_is_accepted_65_is_not(client, key):
    ok = client.post(URL, json=score_body(value=_nest(64)), headers=basic(key))
    assert ok.status_code == 200
    errors = errors_of(client.post(URL, json=score_body(value=_nest(65)), headers=basic(key)))
    assert [(e["type"], e["loc"]) for e in errors] == [("json_too_deep", ["body", "value"])]


def test_absurd_nesting_is_a_422_not_a_500(client, key):
    body = b'{"prediction_id":"p","scorer":"s","value":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    errors = errors_of(post_raw(client, key, body))
    assert [e["loc"] for e in errors] == [["body", "value"]]


def _nest(levels):
    value = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    "field", ["prediction_id", "scorer", "value", "evaluation_run_id", "other"]
)
def test_unpaired_surrogate_names_its_field(client, key, field):
    body = (
        b'{"prediction_id":"p","scorer":"s","value":1,"evaluation_run_id":"r",'
        b'"' + field.encode() + b'":"a\\ud800b"}'
    )
    errors = errors_of(post_raw(client, key, body))
    assert [e["loc"] for e in errors] == [["body", field]]
    # pydantic itself refuses surrogates in its string fields; the rest is our check.
    expected = (
        "string_unicode"
        if field in ("prediction_id", "scorer", "evaluation_run_id")
        else ("string_unpaired_surrogate")
    )
    assert errors[0]["type"] == expected


def test_surrogate_in_a_nested_key(client, key):
    body = b'{"prediction_id":"p","scorer":"s","value":{"ok":{"k\\udc00":1}}}'
    assert [e["loc"] for e in errors_of(post_raw(client, key, body))] == [["body", "value"]]


def test_paired_surrogates_are_fine(client, key):
    body = b'{"prediction_id":"p","scorer":"s","value":"\\ud83d\\ude00"}'
    assert post_raw(client, key, body).status_code == 200


@pytest.mark.parametrize("field", ["prediction_id", "scorer", "evaluation_run_id"])
def test_nul_in_identifiers_is_refused(client, key, field):
    errors = errors_of(client.post(URL, json=score_body(**{field: "a\u0000b"}), headers=basic(key)))
    assert [(e["type"], e["loc"]) for e in errors] == [("string_null_character", ["body", field])]


def test_number_overflowing_to_infinity_is_refused(client, key):
    errors = errors_of(post_raw(client, key, b'{"prediction_id":"p","scorer":"s","value":1e400}'))
    assert [(e["type"], e["loc"]) for e in errors] == [("finite_number", ["body", "value"])]


def test_invalid_utf8_is_400(client, key):
    response = post_raw(client, key, b'{"prediction_id":"\xff","scorer":"s","value":1}')
    assert response.status_code == 400
    assert response.get_json() == {"detail": "There was an error parsing the body"}


def test_encoded_surrogate_bytes_are_invalid_utf8(client, key):
    response = post_raw(client, key, b'{"prediction_id":"\xed\xa0\x80","scorer":"s","value":1}')
    assert response.status_code == 400


def test_body_over_the_limit_is_413(client, key):
    big = b'{"prediction_id":"p","scorer":"s","value":"' + b"x" * (1024 * 1024) + b'"}'
    response = post_raw(client, key, big)
    assert response.status_code == 413
    assert response.get_json() == {"detail": "Request body too large"}


def test_body_just_under_the_limit_is_accepted(client, key):
    prefix = b'{"prediction_id":"p","scorer":"s","value":"'
    filler = b"x" * (1024 * 1024 - len(prefix) - 2)
    assert post_raw(client, key, prefix + filler + b'"}').status_code == 200


def test_limit_is_configurable(app, client, key):
    app.config["MAX_CONTENT_LENGTH"] = 100
    assert post_raw(client, key, b'{"value":"' + b"x" * 200 + b'"}').status_code == 413


def test_a_refused_body_writes_nothing(app, client, key):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Score

    for body in (b"{}", b"[1]", b"{bad", b'{"value": NaN}', b"\xff"):
        assert post_raw(client, key, body).status_code in (400, 422)
    with app.app_context():
        assert db.session.scalar(select(func.count(Score.id))) == 0


@pytest.mark.parametrize(
    ("segment", "error_type"),
    [("x" * 129, "string_too_long"), ("a%01b", "string_control_character")],
)
def test_bad_path_segments(app, client, segment, error_type):
    _admin, key = make_api_user(app, admin=True)
    response = client.post(f"/v2/{segment}/proj/scores", json=score_body(), headers=basic(key))
    errors = errors_of(response)
    assert [(e["type"], e["loc"]) for e in errors] == [(error_type, ["path", "entity"])]


def test_ids_created_within_one_millisecond_still_sort_by_creation(app):
    from app.services.scores import new_score_row
    from app.validation import validate_score

    fields = validate_score(score_body())
    with app.app_context():
        ids = [new_score_row("t", "p", fields, "a", "api")["id"] for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
