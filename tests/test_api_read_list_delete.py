"""Read, list and delete (contract), and exact round trips on every database."""

import json

import pytest

from tests.answers import jsonl
from tests.builders import basic, make_api_user, post_score

URL = "/v2/team/proj/scores"


@pytest.fixture
def key(app):
    return make_api_user(app, "alice")[1]


def read(client, key, score_id, url=URL):
    return client.get(f"{url}/{score_id}", headers=basic(key))


def list_lines(client, key, query="", url=URL):
    return jsonl(client.get(f"{url}{query}", headers=basic(key)))


def test_read_returns_every_field_in_contract_order(client, key):
    score_id = post_score(
        client,
        key,
        prediction_id="pred",
        scorer="weave:///t/p/object/s:v1",
        value={"correct": True},
        evaluation_run_id="run-1",
    )
    response = read(client, key, score_id)
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == [
        "score_id",
        "prediction_id",
        "scorer",
        "value",
        "evaluation_run_id",
        "wb_user_id",
        "created_at",
        "scorer_config_version",  # ours, after the contract's fields
    ]
    assert body["score_id"] == score_id
    assert body["prediction_id"] == "pred"
    assert body["scorer"] == "weave:///t/p/object/s:v1"
    assert body["value"] == {"correct": True}
    assert body["evaluation_run_id"] == "run-1"
    assert body["wb_user_id"] == "alice"
    assert len(body["created_at"]) == 27 and body["created_at"].endswith("Z")


def test_read_unknown_id_is_404(client, key):
    response = read(client, key, "0190a000-0000-7000-8000-000000000000")
    assert response.status_code == 404
    assert response.get_json() == {"detail": "Score not found"}


def test_score_of_another_project_is_invisible(client, key):
    score_id = post_score(client, key, project="one")
    assert read(client, key, score_id, url="/v2/team/two/scores").status_code == 404
    assert read(client, key, score_id, url="/v2/team/one/scores").status_code == 200


ROUND_TRIP_VALUES = [
    0,
    -1,
    0.1,
    1.5e-300,
    123456789012345678901234567890,
    -(2**70),
    True,
    False,
    None,
    "",
    "plain",
    "unicode ✓ 日本語 😀",
    "\u0000",
    "a\u0000b\u001f\u007f",
    'quote " and \\ backslash',
    [],
    {},
    [1, "two", None, {"three": [3.0]}],
    {"nested": {"deeper": {"list": [0.1, 0.2, 0.30000000000000004]}}, "empty": {}},
    {"\u0000key": "x", "ключ": "значение", "": 1},
]


@pytest.mark.parametrize("value", ROUND_TRIP_VALUES, ids=range(len(ROUND_TRIP_VALUES)))
def test_values_round_trip_exactly(client, key, value):
    score_id = post_score(client, key, value=value)
    # Parse with the stdlib (keeps big integers) and compare types too: 1 is not 1.0.
    read_back = json.loads(read(client, key, score_id).get_data(as_text=True))["value"]
    assert read_back == value and type(read_back) is type(value)
    listed = list_lines(client, key)
    assert listed[-1]["value"] == value


def test_value_text_is_returned_as_sent(client, key):
    body = b'{"prediction_id":"p","scorer":"s","value":{"b":1,"a":[1.0,0.1,1e-7]}}'
    response = client.post(
        URL, data=body, headers={**basic(key), "Content-Type": "application/json"}
    )
    raw = read(client, key, response.get_json()["score_id"]).get_data(as_text=True)
    assert '"value":{"b":1,"a":[1.0,0.1,1e-07]}' in raw


def test_list_is_oldest_first_with_filter_limit_offset(client, key):
    ids = [
        post_score(client, key, evaluation_run_id=("run-a" if i % 2 else None)) for i in range(7)
    ]
    assert [s["score_id"] for s in list_lines(client, key)] == ids
    assert [s["score_id"] for s in list_lines(client, key, "?evaluation_run_id=run-a")] == ids[1::2]
    assert [s["score_id"] for s in list_lines(client, key, "?limit=3")] == ids[:3]
    assert [s["score_id"] for s in list_lines(client, key, "?limit=2&offset=3")] == ids[3:5]
    assert [s["score_id"] for s in list_lines(client, key, "?offset=5")] == ids[5:]
    assert [
        s["score_id"] for s in list_lines(client, key, "?evaluation_run_id=run-a&limit=1&offset=1")
    ] == [ids[3]]
    assert list_lines(client, key, "?limit=0") == []


def test_list_of_an_empty_project_is_an_empty_body(client, key):
    assert list_lines(client, key) == []


def test_list_streams_many_scores(client, key, app):
    from app.services import scores

    with app.app_context():
        from app.validation import validate_score

        fields = validate_score({"prediction_id": "p", "scorer": "s", "value": 1})
        for _ in range(1203):
            scores.create_score("team", "proj", fields, "alice")
    lines = list_lines(client, key)
    assert len(lines) == 1203
    assert [line["score_id"] for line in lines] == sorted(line["score_id"] for line in lines)


@pytest.mark.parametrize("param", ["limit", "offset"])
@pytest.mark.parametrize("bad", ["abc", "1.5", ""])
def test_non_integer_limit_or_offset(client, key, param, bad):
    response = client.get(f"{URL}?{param}={bad}", headers=basic(key))
    assert response.status_code == 422
    assert response.get_json()["detail"] == [
        {
            "type": "int_parsing",
            "loc": ["query", param],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": bad,
        }
    ]


@pytest.mark.parametrize("param", ["limit", "offset"])
def test_limit_or_offset_past_64_bits_is_refused(client, key, param):
    response = client.get(f"{URL}?{param}={2**63}", headers=basic(key))
    assert response.status_code == 422
    assert response.get_json()["detail"][0]["type"] == "less_than_equal"
    assert client.get(f"{URL}?{param}={2**63 - 1}", headers=basic(key)).status_code == 200


def test_negative_limit_is_refused(client, key):
    response = client.get(f"{URL}?limit=-1", headers=basic(key))
    assert response.status_code == 422
    assert response.get_json()["detail"][0]["type"] == "greater_than_equal"


def test_delete_by_repeated_query_ids(client, key):
    first, second, keep = (post_score(client, key) for _ in range(3))
    response = client.delete(
        f"{URL}?score_ids={first}&score_ids={second}&score_ids=nope", headers=basic(key)
    )
    assert response.status_code == 200
    assert response.get_json() == {"num_deleted": 2}
    assert [s["score_id"] for s in list_lines(client, key)] == [keep]
    assert read(client, key, first).status_code == 404


def test_delete_counts_repeated_ids_once(client, key):
    score_id = post_score(client, key)
    response = client.delete(f"{URL}?score_ids={score_id}&score_ids={score_id}", headers=basic(key))
    assert response.get_json() == {"num_deleted": 1}


def test_delete_by_json_array_body(client, key):
    first, second = post_score(client, key), post_score(client, key)
    response = client.delete(URL, json=[first, second, "nope"], headers=basic(key))
    assert response.get_json() == {"num_deleted": 2}


def test_delete_never_touches_another_project(client, key):
    other = post_score(client, key, project="other")
    response = client.delete(f"{URL}?score_ids={other}", headers=basic(key))
    assert response.get_json() == {"num_deleted": 0}
    assert read(client, key, other, url="/v2/team/other/scores").status_code == 200


@pytest.mark.parametrize("body", [None, b"", b"[]"])
def test_delete_without_ids_is_422_missing(client, key, body):
    headers = {**basic(key), "Content-Type": "application/json"}
    response = client.delete(URL, data=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["detail"] == [
        {"type": "missing", "loc": ["query", "score_ids"], "msg": "Field required", "input": None}
    ]


@pytest.mark.parametrize(
    ("body", "error_type"),
    [(b'{"a":1}', "list_type"), (b"[1]", "string_type"), (b"[nope", "json_invalid")],
)
def test_delete_with_a_bad_body_is_422(client, key, body, error_type):
    response = client.delete(
        URL, data=body, headers={**basic(key), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.get_json()["detail"][0]["type"] == error_type


def test_delete_many_ids_at_once(client, key):
    ids = [post_score(client, key) for _ in range(3)] + [f"missing-{i}" for i in range(1200)]
    response = client.delete(URL, json=ids, headers=basic(key))
    assert response.get_json() == {"num_deleted": 3}


def test_nul_in_ids_and_filters_matches_nothing(client, key):
    score_id = post_score(client, key, evaluation_run_id="run")
    assert read(client, key, "a%00b").status_code == 404
    assert list_lines(client, key, "?evaluation_run_id=run%00") == []
    response = client.delete(f"{URL}?score_ids=a%00b&score_ids={score_id}", headers=basic(key))
    assert response.get_json() == {"num_deleted": 1}
