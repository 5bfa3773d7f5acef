"""What the reads, finishes, lists and deletes of runs and predictions share with the
scores' (contract: Read, List, Delete): 404 for what this project does not hold, limit
and offset refused as FastAPI refuses them, ids from repeated query keys or a JSON array
body, and nothing of another project touched."""

import pytest

from tests.answers import error_locs, errors_of, jsonl
from tests.builders import basic, make_api_user, post_prediction, post_run

RESOURCES = [
    pytest.param("evaluation_runs", "evaluation_run_ids", "evaluation_run_id", post_run, id="runs"),
    pytest.param(
        "predictions", "prediction_ids", "prediction_id", post_prediction, id="predictions"
    ),
]


UNKNOWN = "0190a000-0000-7000-8000-000000000000"
# The resource's 404, and the body its finish takes (the prediction's takes none).
ONE = [
    pytest.param("evaluation_runs", post_run, "Evaluation run not found", {}, id="runs"),
    pytest.param("predictions", post_prediction, "Prediction not found", None, id="predictions"),
]


@pytest.fixture
def key(app):
    return make_api_user(app)[1]


@pytest.mark.parametrize(("collection", "post", "missing", "finish_body"), ONE)
@pytest.mark.parametrize("made_id", [UNKNOWN, "not-an-id", "a%00b"])
def test_reading_or_finishing_an_unknown_one_is_404(
    client, key, collection, post, missing, finish_body, made_id
):
    url = f"/v2/team/proj/{collection}/{made_id}"
    for response in (
        client.get(url, headers=basic(key)),
        client.post(f"{url}/finish", json=finish_body, headers=basic(key)),
    ):
        assert response.status_code == 404
        assert response.get_json() == {"detail": missing}


@pytest.mark.parametrize(("collection", "post", "missing", "finish_body"), ONE)
def test_one_of_another_project_is_invisible(client, key, collection, post, missing, finish_body):
    made_id = post(client, key, project="one")
    elsewhere = f"/v2/team/two/{collection}/{made_id}"
    assert client.get(elsewhere, headers=basic(key)).get_json() == {"detail": missing}
    finished = client.post(f"{elsewhere}/finish", json=finish_body, headers=basic(key))
    assert finished.status_code == 404
    read = client.get(f"/v2/team/one/{collection}/{made_id}", headers=basic(key)).get_json()
    assert read.get("status", "running") == "running"


@pytest.mark.parametrize("collection", ["evaluation_runs", "predictions"])
@pytest.mark.parametrize("param", ["limit", "offset"])
@pytest.mark.parametrize("bad", ["abc", "1.5", "", "1e3"])
def test_a_limit_or_offset_that_is_no_integer(client, key, collection, param, bad):
    response = client.get(f"/v2/team/proj/{collection}?{param}={bad}", headers=basic(key))
    assert errors_of(response) == [
        {
            "type": "int_parsing",
            "loc": ["query", param],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": bad,
        }
    ]


@pytest.mark.parametrize("collection", ["evaluation_runs", "predictions"])
@pytest.mark.parametrize("param", ["limit", "offset"])
@pytest.mark.parametrize(
    ("value", "error_type"), [(2**63, "less_than_equal"), (-1, "greater_than_equal")]
)
def test_a_limit_or_offset_out_of_range(client, key, collection, param, value, error_type):
    url = f"/v2/team/proj/{collection}"
    response = client.get(f"{url}?{param}={value}", headers=basic(key))
    assert error_locs(response) == [(error_type, ["query", param])]
    for edge in (0, 2**63 - 1):
        assert client.get(f"{url}?{param}={edge}", headers=basic(key)).status_code == 200


@pytest.mark.parametrize(("collection", "ids_name", "id_name", "post"), RESOURCES)
def test_delete_by_repeated_query_ids_or_a_json_array(
    client, key, collection, ids_name, id_name, post
):
    url = f"/v2/team/proj/{collection}"
    first, second, third, keep = (post(client, key) for _ in range(4))
    query = "&".join(f"{ids_name}={made}" for made in (first, second, first, "nope"))
    response = client.delete(f"{url}?{query}", headers=basic(key))
    assert response.status_code == 200 and response.get_json() == {"num_deleted": 2}
    assert client.delete(url, json=[third, "nope"], headers=basic(key)).get_json() == {
        "num_deleted": 1
    }
    assert [found[id_name] for found in jsonl(client.get(url, headers=basic(key)))] == [keep]
    assert client.get(f"{url}/{first}", headers=basic(key)).status_code == 404


@pytest.mark.parametrize(("collection", "ids_name", "id_name", "post"), RESOURCES)
def test_delete_never_touches_another_project(client, key, collection, ids_name, id_name, post):
    other = post(client, key, project="other")
    response = client.delete(f"/v2/team/proj/{collection}?{ids_name}={other}", headers=basic(key))
    assert response.get_json() == {"num_deleted": 0}
    assert client.get(f"/v2/team/other/{collection}/{other}", headers=basic(key)).status_code == 200


@pytest.mark.parametrize(("collection", "ids_name", "id_name", "post"), RESOURCES)
@pytest.mark.parametrize("body", [None, b"", b"[]"])
def test_delete_without_ids_is_422_missing(client, key, collection, ids_name, id_name, post, body):
    headers = {**basic(key), "Content-Type": "application/json"}
    response = client.delete(f"/v2/team/proj/{collection}", data=body, headers=headers)
    assert errors_of(response) == [
        {"type": "missing", "loc": ["query", ids_name], "msg": "Field required", "input": None}
    ]


@pytest.mark.parametrize(("collection", "ids_name", "id_name", "post"), RESOURCES)
@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"a":1}', ("list_type", ["body"])),
        (b'"p"', ("list_type", ["body"])),
        (b'["ok", 1]', ("string_type", ["body", 1])),
        (b"[null]", ("string_type", ["body", 0])),
        (b"[nope", ("json_invalid", ["body", 1])),
    ],
)
def test_delete_with_a_bad_body_is_422(
    client, key, collection, ids_name, id_name, post, body, error
):
    headers = {**basic(key), "Content-Type": "application/json"}
    response = client.delete(f"/v2/team/proj/{collection}", data=body, headers=headers)
    assert error_locs(response) == [error]


@pytest.mark.parametrize(("collection", "ids_name", "id_name", "post"), RESOURCES)
def test_delete_of_nul_ids_matches_nothing(client, key, collection, ids_name, id_name, post):
    made = post(client, key)
    url = f"/v2/team/proj/{collection}?{ids_name}=a%00b&{ids_name}={made}"
    assert client.delete(url, headers=basic(key)).get_json() == {"num_deleted": 1}
