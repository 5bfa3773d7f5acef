"""Property tests of the shared rules: any JSON body is either accepted and read back
exactly, or refused with a contract-shaped 422; never anything else."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import basic, make_api_user

URL = "/v2/team/proj/scores"
FIELDS = ("prediction_id", "scorer", "value", "evaluation_run_id")
LIMITS = {"prediction_id": 256, "scorer": 1024, "evaluation_run_id": 256}

# Text including unpaired surrogates and NUL, which the rules treat specially.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
short_text = st.text(max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)
field_values = (
    json_values
    | st.text(min_size=1, max_size=10)
    | st.sampled_from(["", "x" * 257, "y" * 1025, "é" * 256, "a\u0000b"])
)
bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "prediction_id": field_values,
            "scorer": field_values,
            "value": json_values,
            "evaluation_run_id": field_values,
            "extra": json_values,
        },
    )
    | json_values
)


def has_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, list):
        return any(has_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(has_surrogate(k) or has_surrogate(v) for k, v in value.items())
    return False


def expected_to_pass(body) -> bool:
    """An independent statement of the rules, to compare the service against."""
    if not isinstance(body, dict) or has_surrogate(body):
        return False
    for field in ("prediction_id", "scorer", "value"):
        if field not in body:
            return False
    for field, limit in LIMITS.items():
        value = body.get(field)
        if field == "evaluation_run_id" and value is None:
            continue
        if not isinstance(value, str) or not 1 <= len(value) <= limit or "\u0000" in value:
            return False
    return True


@pytest.fixture
def key(app):
    return make_api_user(app)[1]


@given(body=bodies)
@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_body_is_stored_exactly_or_refused_in_shape(client, key, body):
    raw = json.dumps(body)  # ASCII escapes: unpaired surrogates travel as \udXXX
    response = client.post(
        URL, data=raw, headers={**basic(key), "Content-Type": "application/json"}
    )
    assert response.status_code in (200, 422), response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert (response.status_code == 200) == expected_to_pass(body)
    if response.status_code == 422:
        errors = response.get_json()["detail"]
        assert errors
        for error in errors:
            assert set(error) <= {"type", "loc", "msg", "input", "ctx"}
            assert {"type", "loc", "msg"} <= set(error)
            assert error["loc"][0] == "body"
            assert isinstance(error["msg"], str) and isinstance(error["type"], str)
        located = [error["loc"][1] for error in errors if len(error["loc"]) > 1]
        known = [field for field in located if field in FIELDS]
        assert known == sorted(known, key=FIELDS.index)
        return
    score_id = response.get_json()["score_id"]
    read = json.loads(client.get(f"{URL}/{score_id}", headers=basic(key)).get_data(as_text=True))
    assert read["value"] == body["value"]
    assert json.dumps(read["value"]) == json.dumps(body["value"])
    for field in ("prediction_id", "scorer"):
        assert read[field] == body[field]
    assert read["evaluation_run_id"] == body.get("evaluation_run_id")
