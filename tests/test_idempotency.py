"""Idempotency-Key on create: retries store nothing new; a reused key with another body is 409."""

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import EvaluationRun, IdempotencyKey, Prediction, Score
from app.models._time import utcnow
from app.services import idempotency
from app.validation import validate_score
from tests.builders import basic, make_api_user, score_body

URL = "/v2/team/proj/scores"


def count_scores(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Score.id)))


def create(client, key, body, idempotency_key, url=URL):
    return client.post(url, json=body, headers={**basic(key), "Idempotency-Key": idempotency_key})


def test_same_key_same_body_returns_the_same_id(app, client):
    _user, key = make_api_user(app)
    body = score_body(value={"a": 1, "b": [0.1]})
    first = create(client, key, body, "retry-1")
    again = create(client, key, body, "retry-1")
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count_scores(app) == 1


def test_same_body_in_other_formatting_is_the_same_request(app, client):
    _user, key = make_api_user(app)
    headers = {**basic(key), "Idempotency-Key": "k", "Content-Type": "application/json"}
    first = client.post(
        URL, data='{"prediction_id":"p","scorer":"s","value":{"x":1,"y":2}}', headers=headers
    )
    second = client.post(
        URL,
        data='{ "value": {"x": 1, "y": 2}, "scorer": "s", "prediction_id": "p", "ignored": true }',
        headers=headers,
    )
    assert first.get_json() == second.get_json()
    assert count_scores(app) == 1


def test_same_key_other_body_is_409(app, client):
    _user, key = make_api_user(app)
    create(client, key, score_body(value=1), "k")
    response = create(client, key, score_body(value=2), "k")
    assert response.status_code == 409
    assert response.get_json() == {
        "detail": "Idempotency-Key was already used for a different request"
    }
    assert count_scores(app) == 1


BASE = {"prediction_id": "p", "scorer": "s", "value": 1, "evaluation_run_id": "r"}


def _without_run(body: dict) -> dict:
    return {name: item for name, item in body.items() if name != "evaluation_run_id"}


# Each retry differs from BASE, sent to URL, in exactly one field of the fingerprint.
ONE_FIELD_CHANGED = [
    pytest.param("/v2/other/proj/scores", BASE, id="entity"),
    pytest.param("/v2/team/other/scores", BASE, id="project"),
    pytest.param(URL, {**BASE, "prediction_id": "p2"}, id="prediction_id"),
    pytest.param(URL, {**BASE, "scorer": "s2"}, id="scorer"),
    *(
        pytest.param(URL, {**BASE, "value": value}, id=f"value={json.dumps(value)}")
        for value in (2, 1.0, "1", True, None, [1], {"v": 1})
    ),
    pytest.param(URL, {**BASE, "evaluation_run_id": "r2"}, id="evaluation_run_id"),
    pytest.param(URL, {**BASE, "evaluation_run_id": None}, id="evaluation_run_id=null"),
    pytest.param(URL, _without_run(BASE), id="evaluation_run_id-absent"),
]


@pytest.mark.parametrize(("url", "retry"), ONE_FIELD_CHANGED)
def test_same_key_with_one_field_changed_is_409(app, client, url, retry):
    _user, key = make_api_user(app, entities=("team", "other"))
    first = create(client, key, BASE, "k")
    assert first.status_code == 200
    response = create(client, key, retry, "k", url=url)
    assert response.status_code == 409, response.get_json()
    assert "Idempotent-Replayed" not in response.headers
    assert count_scores(app) == 1
    stored = client.get(f"{URL}/{first.get_json()['score_id']}", headers=basic(key)).get_json()
    assert {name: stored[name] for name in BASE} == BASE


def test_a_missing_run_id_and_a_null_one_are_the_same_request(app, client):
    _user, key = make_api_user(app)
    first = create(client, key, _without_run(BASE), "k")
    again = create(client, key, {**BASE, "evaluation_run_id": None}, "k")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count_scores(app) == 1


def test_same_key_other_project_is_409(app, client):
    _user, key = make_api_user(app)
    body = score_body()
    create(client, key, body, "k")
    assert create(client, key, body, "k", url="/v2/team/other/scores").status_code == 409


def test_keys_are_scoped_to_the_caller(app, client):
    _alice, alice = make_api_user(app)
    _bob, bob = make_api_user(app)
    body = score_body()
    first = create(client, alice, body, "shared-name").get_json()["score_id"]
    second = create(client, bob, body, "shared-name").get_json()["score_id"]
    assert first != second
    assert count_scores(app) == 2


def test_keys_are_honoured_for_24_hours_then_forgotten(app, client):
    _user, key = make_api_user(app)
    body = score_body()
    first = create(client, key, body, "old").get_json()["score_id"]
    with app.app_context():
        db.session.execute(
            update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=23, minutes=59))
        )
        db.session.commit()
    assert create(client, key, body, "old").get_json()["score_id"] == first
    with app.app_context():
        db.session.execute(
            update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=24, minutes=1))
        )
        db.session.commit()
    assert create(client, key, body, "old").get_json()["score_id"] != first
    assert count_scores(app) == 2


def test_invalid_key_is_422(app, client):
    _user, key = make_api_user(app)
    for bad in ("", "x" * 256, "has space", "naïve"):
        response = client.post(
            URL,
            json=score_body(),
            headers={**basic(key), "Idempotency-Key": bad.encode().decode("latin-1")},
        )
        assert response.status_code == 422, bad
        assert response.get_json()["detail"][0]["loc"] == ["header", "idempotency-key"]
    assert count_scores(app) == 0


def test_an_invalid_body_with_a_key_stores_nothing(app, client):
    _user, key = make_api_user(app)
    assert create(client, key, {"scorer": "s"}, "k").status_code == 422
    assert create(client, key, score_body(), "k").status_code == 200
    assert count_scores(app) == 1


# Runs and predictions take keys too; a key remembers what kind of thing it created.

RUNS = "/v2/team/proj/evaluation_runs"
PREDICTIONS = "/v2/team/proj/predictions"
RUN_BASE = {"evaluation": "ev", "model": "m", "source_evaluation_run_id": "src"}
PREDICTION_BASE = {
    "model": "m",
    "inputs": {"q": 1},
    "output": {"a": 1},
    "evaluation_run_id": "r",
    "genai_span_ref": [{"span_id": "s", "trace_id": "t"}],
}
KINDS = {
    "score": (URL, BASE, "score_id", Score),
    "evaluation_run": (RUNS, RUN_BASE, "evaluation_run_id", EvaluationRun),
    "prediction": (PREDICTIONS, PREDICTION_BASE, "prediction_id", Prediction),
}


def count_of(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _changed(base: dict, name: str, value) -> dict:
    return {**base, name: value}


def _absent(base: dict, name: str) -> dict:
    return {field: item for field, item in base.items() if field != name}


# Each retry differs from the kind's base body, sent to its URL, in one field of the fingerprint.
OTHER_REQUESTS = [
    *(
        pytest.param(kind, url.replace("/team/", "/other/"), KINDS[kind][1], id=f"{kind}-entity")
        for kind, url in (("evaluation_run", RUNS), ("prediction", PREDICTIONS))
    ),
    *(
        pytest.param(kind, url.replace("/proj/", "/other/"), KINDS[kind][1], id=f"{kind}-project")
        for kind, url in (("evaluation_run", RUNS), ("prediction", PREDICTIONS))
    ),
    pytest.param("evaluation_run", RUNS, _changed(RUN_BASE, "evaluation", "ev2"), id="evaluation"),
    pytest.param("evaluation_run", RUNS, _changed(RUN_BASE, "model", "m2"), id="run-model"),
    pytest.param(
        "evaluation_run", RUNS, _changed(RUN_BASE, "source_evaluation_run_id", "s2"), id="source"
    ),
    pytest.param(
        "evaluation_run", RUNS, _changed(RUN_BASE, "source_evaluation_run_id", None), id="src=null"
    ),
    pytest.param(
        "evaluation_run", RUNS, _absent(RUN_BASE, "source_evaluation_run_id"), id="src-absent"
    ),
    pytest.param("prediction", PREDICTIONS, _changed(PREDICTION_BASE, "model", "m2"), id="model"),
    *(
        pytest.param(
            "prediction",
            PREDICTIONS,
            _changed(PREDICTION_BASE, "inputs", inputs),
            id=f"inputs={json.dumps(inputs)}",
        )
        for inputs in ({"q": 2}, {"q": 1.0}, {"q": True}, {"q": 1, "r": 1}, {})
    ),
    *(
        pytest.param(
            "prediction",
            PREDICTIONS,
            _changed(PREDICTION_BASE, "output", output),
            id=f"output={json.dumps(output)}",
        )
        for output in ({"a": 2}, {"a": 1.0}, None, [{"a": 1}], "1")
    ),
    pytest.param(
        "prediction", PREDICTIONS, _changed(PREDICTION_BASE, "evaluation_run_id", "r2"), id="run"
    ),  # fmt: skip
    pytest.param(
        "prediction", PREDICTIONS, _absent(PREDICTION_BASE, "evaluation_run_id"), id="run-absent"
    ),  # fmt: skip
    *(
        pytest.param(
            "prediction",
            PREDICTIONS,
            _changed(PREDICTION_BASE, "genai_span_ref", spans),
            id=f"spans={json.dumps(spans)}",
        )
        for spans in (
            None,
            [],
            [{"span_id": "s2", "trace_id": "t"}],
            [{"span_id": "s", "trace_id": "t2"}],
        )
    ),
    pytest.param(
        "prediction", PREDICTIONS, _absent(PREDICTION_BASE, "genai_span_ref"), id="spans-absent"
    ),  # fmt: skip
]


@pytest.mark.parametrize("kind", ["evaluation_run", "prediction"])
def test_runs_and_predictions_replay_the_first_answer(app, client, kind):
    _user, key = make_api_user(app)
    url, body, id_name, model = KINDS[kind]
    first = create(client, key, body, "retry-1", url=url)
    again = create(client, key, {**body, "ignored": 1}, "retry-1", url=url)
    assert first.status_code == again.status_code == 200
    assert list(first.get_json()) == [id_name] and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count_of(app, model) == 1
    read = client.get(f"{url}/{first.get_json()[id_name]}", headers=basic(key)).get_json()
    assert {name: read[name] for name in body} == body


@pytest.mark.parametrize(("kind", "url", "retry"), OTHER_REQUESTS)
def test_runs_and_predictions_with_one_field_changed_are_409(app, client, kind, url, retry):
    _user, key = make_api_user(app, entities=("team", "other"))
    base_url, body, _id_name, model = KINDS[kind]
    assert create(client, key, body, "k", url=base_url).status_code == 200
    response = create(client, key, retry, "k", url=url)
    assert response.status_code == 409, response.get_json()
    assert response.get_json() == {
        "detail": "Idempotency-Key was already used for a different request"
    }
    assert count_of(app, model) == 1


@pytest.mark.parametrize(
    ("first_kind", "second_kind"),
    [(first, second) for first in KINDS for second in KINDS if first != second],
)
def test_a_key_reused_for_another_kind_is_409(app, client, first_kind, second_kind):
    _user, key = make_api_user(app)
    url, body, _id_name, _model = KINDS[first_kind]
    assert create(client, key, body, "shared", url=url).status_code == 200
    url, body, _id_name, model = KINDS[second_kind]
    assert create(client, key, body, "shared", url=url).status_code == 409
    assert count_of(app, model) == 0


def test_an_absent_source_run_and_a_null_one_are_the_same_request(app, client):
    _user, key = make_api_user(app)
    first = create(client, key, _absent(RUN_BASE, "source_evaluation_run_id"), "k", url=RUNS)
    again = create(client, key, {**RUN_BASE, "source_evaluation_run_id": None}, "k", url=RUNS)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()


@pytest.mark.parametrize("kind", ["evaluation_run", "prediction"])
def test_an_invalid_key_or_body_stores_nothing(app, client, kind):
    _user, key = make_api_user(app)
    url, body, _id_name, model = KINDS[kind]
    assert create(client, key, body, "has space", url=url).status_code == 422
    assert create(client, key, {"model": 5}, "k", url=url).status_code == 422
    assert create(client, key, body, "k", url=url).status_code == 200
    assert count_of(app, model) == 1


@pytest.mark.parametrize("kind", list(KINDS))
def test_concurrent_retries_store_one(app, live_server, kind):
    _user, key = make_api_user(app)
    url, body, id_name, model = KINDS[kind]
    data = json.dumps(body).encode()

    def post(_):
        request = urllib.request.Request(
            f"{live_server}{url}",
            data=data,
            method="POST",
            headers={**basic(key), "Content-Type": "application/json", "Idempotency-Key": "race"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())[id_name]

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(post, range(24)))
    assert {status for status, _ in results} == {200}
    assert len({made_id for _, made_id in results}) == 1
    assert count_of(app, model) == 1


@pytest.mark.parametrize(
    "path",
    [f"/v2/{{entity}}/{{project}}/{name}" for name in ("scores", "evaluation_runs", "predictions")],
)
def test_openapi_documents_the_header_on_every_create(client, path):
    operation = client.get("/openapi.json").get_json()["paths"][path]["post"]
    assert any(
        p["in"] == "header" and p["name"] == "Idempotency-Key" for p in operation["parameters"]
    )
    assert "409" in operation["responses"]


def test_a_key_of_another_kind_never_replays_even_for_an_equal_fingerprint(app, client):
    # Bodies of different kinds hash apart anyway; the kind kept with the key makes sure
    # a run's or a prediction's id is never answered as a score's.
    user, key = make_api_user(app)
    body = score_body()
    request_hash = idempotency.fingerprint("team", "proj", validate_score(body))
    with app.app_context():
        db.session.add(
            IdempotencyKey(
                user_id=user.id,
                key="k",
                request_hash=request_hash,
                kind="prediction",
                created_id="0190a000-0000-7000-8000-000000000000",
                created_at=utcnow(),
            )
        )
        db.session.commit()
    response = create(client, key, body, "k")
    assert response.status_code == 409
    assert count_scores(app) == 0
