"""What every body the evaluation routes read shares with the score create's
(test_api_create.py): FastAPI's errors for a body that is missing, not JSON, not an
object or not UTF-8, the size limit, and nothing written when a body is refused."""

import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import EvaluationRun, Prediction
from tests.answers import error_locs, errors_of
from tests.builders import basic, make_api_user, post_run, prediction_body, run_body

RUN_CREATE = ("/v2/team/proj/evaluation_runs", run_body())
PREDICTION_CREATE = ("/v2/team/proj/predictions", prediction_body())
RUN_FINISH = ("/v2/team/proj/evaluation_runs/{run}/finish", {"summary": {"acc": 1}})
ROUTES = [
    pytest.param(*RUN_CREATE, id="run-create"),
    pytest.param(*PREDICTION_CREATE, id="prediction-create"),
    pytest.param(*RUN_FINISH, id="run-finish"),
]


@pytest.fixture
def key(app):
    return make_api_user(app)[1]


@pytest.fixture
def run(client, key):
    """A run to finish, made before the counts start."""
    return post_run(client, key)


def post_raw(client, key, url, data, content_type="application/json"):
    headers = basic(key)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post(url, data=data, headers=headers)


def stored(app) -> tuple[int, int, str | None]:
    """Runs, predictions, and the first run's summary: what a refused body must not change."""
    with app.app_context():
        runs = db.session.scalar(select(func.count()).select_from(EvaluationRun))
        made = db.session.scalar(select(func.count()).select_from(Prediction))
        summary = db.session.scalar(select(EvaluationRun.summary_json).limit(1))
    return runs, made, summary


@pytest.mark.parametrize(("url", "valid"), ROUTES)
def test_a_valid_body_in_any_json_content_type(client, key, run, url, valid):
    for content_type in (None, "application/json", "application/vnd.api+json; charset=utf-8"):
        response = post_raw(
            client, key, url.format(run=run), json.dumps(valid).encode(), content_type
        )
        assert response.status_code == 200, (content_type, response.get_data(as_text=True))


@pytest.mark.parametrize(("url", "valid"), ROUTES)
def test_an_empty_body_is_missing(app, client, key, run, url, valid):
    before = stored(app)
    assert errors_of(post_raw(client, key, url.format(run=run), b"")) == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
    ]
    assert stored(app) == before


@pytest.mark.parametrize(("url", "valid"), ROUTES)
@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object(app, client, key, run, url, valid, body):
    before = stored(app)
    assert errors_of(post_raw(client, key, url.format(run=run), body)) == [
        {
            "type": "model_attributes_type",
            "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
            "input": json.loads(body),
        }
    ]
    assert stored(app) == before


@pytest.mark.parametrize(("url", "valid"), ROUTES)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_not_sent_as_json(client, key, run, url, valid, content_type):
    response = post_raw(client, key, url.format(run=run), json.dumps(valid).encode(), content_type)
    assert error_locs(response) == [("model_attributes_type", ["body"])]


@pytest.mark.parametrize(("url", "valid"), ROUTES)
@pytest.mark.parametrize(
    ("body", "position", "message"),
    [
        (b'{"model": "m",', 14, "Expecting property name enclosed in double quotes"),
        (b'{"a": 1} trailing', 9, "Extra data"),
        (b'{"output": NaN}', 11, "Expecting value"),
        (b'{"summary": {"x": Infinity}}', 18, "Expecting value"),
        (b'{"inputs": {"x": [-Infinity]}}', 18, "Expecting value"),
    ],
)
def test_invalid_json(app, client, key, run, url, valid, body, position, message):
    before = stored(app)
    assert errors_of(post_raw(client, key, url.format(run=run), body)) == [
        {
            "type": "json_invalid",
            "loc": ["body", position],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": message},
        }
    ]
    assert stored(app) == before


@pytest.mark.parametrize(("url", "valid"), ROUTES)
def test_invalid_utf8_is_400(app, client, key, run, url, valid):
    before = stored(app)
    for body in (b'{"model":"\xff"}', b'{"model":"\xed\xa0\x80"}'):
        response = post_raw(client, key, url.format(run=run), body)
        assert response.status_code == 400
        assert response.get_json() == {"detail": "There was an error parsing the body"}
    assert stored(app) == before


@pytest.mark.parametrize(("url", "valid"), ROUTES)
def test_the_size_limit(app, client, key, run, url, valid):
    name = "summary" if "finish" in url else "output" if "predictions" in url else "extra"
    prefix = json.dumps({**valid, name: ""})[:-2].encode()
    filler = b"x" * (1024 * 1024 - len(prefix) - 2)
    at_limit = prefix + filler + b'"}'
    over = prefix + filler + b'x"}'
    assert len(at_limit) == 1024 * 1024
    before = stored(app)
    response = post_raw(client, key, url.format(run=run), over)
    assert response.status_code == 413
    assert response.get_json() == {"detail": "Request body too large"}
    assert stored(app) == before
    # A summary must be an object: that one is refused, but by the rules, not the size.
    expected = 422 if name == "summary" else 200
    assert post_raw(client, key, url.format(run=run), at_limit).status_code == expected


@pytest.mark.parametrize(("url", "valid"), ROUTES)
def test_unknown_fields_are_ignored_but_checked_for_surrogates(client, key, run, url, valid):
    response = post_raw(
        client, key, url.format(run=run), json.dumps({**valid, "zz": [{"ok": 1}]}).encode()
    )
    assert response.status_code == 200
    raw = json.dumps({**valid, "zz": {"k": "PLACE"}}).replace("PLACE", "\\udc00").encode()
    response = post_raw(client, key, url.format(run=run), raw)
    assert error_locs(response) == [("string_unpaired_surrogate", ["body", "zz"])]


@pytest.mark.parametrize(("url", "valid"), ROUTES)
@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        ({}, "Not authenticated"),
        (basic("sk_unknown"), "Invalid authentication credentials"),
        # What the SDK sends without a key: an empty one is no credential (contract).
        ({"Authorization": "Basic Og=="}, "Not authenticated"),
    ],
    ids=["none", "unknown-key", "sdk-without-key"],
)
@pytest.mark.parametrize("body", [b"{not json", b"\xff", b"[1]", b"x" * (2 * 1024 * 1024)])
def test_an_unauthenticated_body_is_never_judged(
    app, client, run, url, valid, credentials, expected, body
):
    response = client.post(
        url.format(run=run),
        data=body,
        headers={**credentials, "Content-Type": "application/json"},
    )
    assert response.status_code == 401
    assert response.get_json() == {"detail": expected}
    assert response.headers["WWW-Authenticate"] == "Basic"


@pytest.mark.parametrize(("url", "valid"), ROUTES)
def test_an_entity_not_granted_is_403_whatever_the_body(app, client, key, url, valid):
    _admin, admin_key = make_api_user(app, admin=True)
    run = post_run(client, admin_key, entity="other")
    other = url.replace("/team/", "/other/").format(run=run)
    for body in (json.dumps(valid).encode(), b"{bad", b"\xff", b""):
        response = post_raw(client, key, other, body)
        assert response.status_code == 403
        assert response.get_json() == {"detail": "Not allowed to access entity 'other'"}
