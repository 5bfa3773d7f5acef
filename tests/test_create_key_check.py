"""A plain create has its key checked in the transaction that stores it: the answers
are the guard's own, in the guard's order, and a refused create stores nothing."""

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.api import guard
from app.extensions import db
from app.models import ApiKey, Prediction, RunPredictionCount, Score
from app.services import keys, predictions, scores
from app.storage import row_batches as score_batches
from app.storage.row_inserts import PREDICTIONS as PREDICTIONS_KIND
from app.storage.row_inserts import SCORES
from app.storage.writer_connection import WriterConnection
from app.validation import PredictionCreate, validate, validate_score
from tests.builders import basic, bearer, make_api_user, post_score, prediction_body, score_body

INVALID = {"detail": "Invalid authentication credentials"}


def stored(app, model=Score) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def revoked_key(app):
    user, key = make_api_user(app)
    with app.app_context():
        keys.revoke_key(key[: keys.PREFIX_LENGTH], user)
    return key


@dataclass(frozen=True)
class Create:
    """What tells a score create from a prediction create here: both defer the key check."""

    collection: str
    body: Callable[..., dict]
    model: type
    id_name: str
    invalid: bytes

    @property
    def url(self) -> str:
        return f"/v2/team/proj/{self.collection}"


CREATES = [
    pytest.param(
        Create("scores", score_body, Score, "score_id", b'{"prediction_id": 5}'), id="score"
    ),
    pytest.param(
        Create("predictions", prediction_body, Prediction, "prediction_id", b'{"model": 5}'),
        id="prediction",
    ),
]


@pytest.mark.parametrize("kind", CREATES)
@pytest.mark.parametrize("make_header", [basic, bearer])
def test_unknown_key_with_a_valid_body_is_401_and_stores_nothing(app, client, kind, make_header):
    response = client.post(kind.url, json=kind.body(), headers=make_header("sk_x"))
    assert response.status_code == 401
    assert response.get_json() == INVALID
    assert response.headers["WWW-Authenticate"] == "Basic"
    assert stored(app, kind.model) == 0


@pytest.mark.parametrize("kind", CREATES)
@pytest.mark.parametrize("body", ["valid", "invalid", b"{not json", b"", b"\xff\xfe not utf-8"])
def test_a_revoked_key_hides_what_is_wrong_with_the_body(app, client, revoked_key, kind, body):
    data = {"valid": json.dumps(kind.body()).encode(), "invalid": kind.invalid}.get(body, body)
    response = client.post(
        kind.url, data=data, content_type="application/json", headers=basic(revoked_key)
    )
    assert (response.status_code, response.get_json()) == (401, INVALID)
    assert stored(app, kind.model) == 0


@pytest.mark.parametrize("kind", CREATES)
def test_an_ungranted_entity_is_403_before_the_body_is_judged(app, client, kind):
    _user, key = make_api_user(app, entities=("team",))
    other = kind.url.replace("/team/", "/other/")
    for data in (json.dumps(kind.body()).encode(), kind.invalid):
        response = client.post(
            other, data=data, content_type="application/json", headers=basic(key)
        )
        assert response.status_code == 403
        assert response.get_json() == {"detail": "Not allowed to access entity 'other'"}
    assert stored(app, kind.model) == 0


@pytest.mark.parametrize("kind", CREATES)
def test_a_valid_key_stores_the_create_as_its_owner_and_marks_it_used(app, client, kind):
    user, key = make_api_user(app)
    response = client.post(kind.url, json=kind.body(), headers=basic(key))
    assert response.status_code == 200
    with app.app_context():
        made = db.session.get(kind.model, ("team", "proj", response.get_json()[kind.id_name]))
        assert made.created_by == user.username
        assert db.session.scalar(select(ApiKey.last_used_at)) is not None


def test_one_batch_stores_the_allowed_and_refuses_the_rest(app):
    owner, key = make_api_user(app, entities=("team",))
    _other, ungranted = make_api_user(app, entities=("elsewhere",))
    fields = validate_score(score_body())
    creates = [
        score_batches.PendingCreate(scores.new_score_row("team", "proj", fields, "", "api"), digest)
        for digest in (keys.hash_key(key), keys.hash_key("sk_unknown"), keys.hash_key(ungranted))
    ]
    creates.append(
        score_batches.PendingCreate(scores.new_score_row("team", "proj", fields, "ui-user", "ui"))
    )
    with app.app_context():
        writer = WriterConnection(db.engine)
        outcomes = score_batches.insert_batch(writer, SCORES, creates)
        writer.close()
        verdicts = [
            None if outcome is None else ("unknown" if outcome.unknown else "not granted")
            for outcome in outcomes
        ]
        assert verdicts == [None, "unknown", "not granted", None]
        authors = db.session.scalars(select(Score.created_by).order_by(Score.id)).all()
    assert authors == [owner.username, "ui-user"]


@pytest.mark.parametrize("kind", CREATES)
def test_concurrent_creates_of_allowed_and_refused_keys_each_get_their_own_answer(app, kind):
    _user, key = make_api_user(app)
    _stranger, ungranted = make_api_user(app, entities=("elsewhere",))
    callers = [key, "sk_unknown", ungranted] * 8
    start = threading.Barrier(len(callers))

    def post(caller: str):
        client = app.test_client()
        start.wait()
        return client.post(kind.url, json=kind.body(), headers=basic(caller))

    with ThreadPoolExecutor(max_workers=len(callers)) as pool:
        answers = list(pool.map(post, callers))
    expected = {key: 200, "sk_unknown": 401, ungranted: 403}
    assert [answer.status_code for answer in answers] == [expected[c] for c in callers]
    assert stored(app, kind.model) == 8


@pytest.mark.parametrize("scheme", ["Token", "Digest", "ApiKey"])
def test_a_good_key_under_another_scheme_is_not_authenticated(app, client, scheme):
    _user, key = make_api_user(app)
    headers = {"Authorization": f"{scheme} {key}"}
    response = client.post("/v2/team/proj/scores", json=score_body(), headers=headers)
    assert (response.status_code, response.get_json()) == (401, {"detail": "Not authenticated"})
    assert stored(app) == 0


def test_a_key_revoked_after_use_is_refused_under_the_same_header(app, client):
    user, key = make_api_user(app)
    post_score(client, key)  # the header is now parsed and cached
    with app.app_context():
        keys.revoke_key(key[: keys.PREFIX_LENGTH], user)
    response = client.post("/v2/team/proj/scores", json=score_body(), headers=basic(key))
    assert (response.status_code, response.get_json()) == (401, INVALID)
    assert stored(app) == 1


@pytest.mark.parametrize(
    "unusual",
    [
        lambda length: {"CONTENT_LENGTH": f" {length}\t"},  # werkzeug strips the blanks
        lambda length: {"CONTENT_LENGTH": str(length), "HTTP_TRANSFER_ENCODING": "identity"},
    ],
    ids=["blank-padded-length", "transfer-encoding"],
)
def test_unusual_length_headers_get_the_same_answers(app, client, unusual):
    # The deferred key check takes only plain lengths; these requests take the
    # guard's own path, with the same answers: 200 for a good key, 401 else.
    body = json.dumps(score_body()).encode()
    _user, key = make_api_user(app)
    for presented, expected in ((key, 200), ("sk_unknown", 401)):
        response = client.post(
            "/v2/team/proj/scores",
            data=body,
            content_type="application/json",
            headers=basic(presented),
            environ_overrides=unusual(len(body)),
        )
        assert response.status_code == expected, response.get_json()
    assert stored(app) == 1


@pytest.mark.parametrize(
    ("holder", "entity", "refusal"),
    [
        ("granted", "team", None),
        ("admin", "elsewhere", None),
        ("granted", "elsewhere", "not granted"),
        ("revoked", "team", "unknown"),
        ("unknown", "team", "unknown"),
    ],
)
def test_a_batch_presenting_one_key_gets_one_answer_and_is_stored_whole_or_not(
    app, holder, entity, refusal
):
    # On PostgreSQL the key lookup is part of the insert statement: the rows
    # are stored exactly when the verdict read back from it allows them, and
    # an active key is marked used, even when refused the entity.
    user, key = make_api_user(app, admin=holder == "admin", entities=("team",))
    if holder == "revoked":
        with app.app_context():
            keys.revoke_key(key[: keys.PREFIX_LENGTH], user)
    digest = keys.hash_key("sk_unknown" if holder == "unknown" else key)
    fields = validate_score(score_body())
    creates = [
        score_batches.PendingCreate(scores.new_score_row(entity, "proj", fields, "", "api"), digest)
        for _ in range(3)
    ]
    with app.app_context():
        writer = WriterConnection(db.engine)
        outcomes = score_batches.insert_batch(writer, SCORES, creates)
        writer.close()
        authors = db.session.scalars(select(Score.created_by)).all()
        last_used = db.session.scalar(select(ApiKey.last_used_at))
    assert (last_used is not None) == (holder not in ("revoked", "unknown"))
    if refusal is None:
        assert outcomes == [None] * 3
        assert authors == [user.username] * 3
    else:
        assert ["unknown" if o.unknown else "not granted" for o in outcomes] == [refusal] * 3
        assert authors == []


# Which creates defer their key check, and a prediction batch's verdicts.


@pytest.mark.parametrize(
    ("path", "deferred"),
    [
        ("/v2/team/proj/scores", True),
        ("/v2/team/proj/predictions", True),
        ("/v2/team/proj/evaluation_runs", False),
        ("/v2/team/proj/evaluation_runs/r/finish", False),
        ("/v2/team/proj/predictions/p/finish", False),
    ],
)
def test_only_score_and_prediction_creates_defer_their_key_check(app, path, deferred):
    headers = {**basic("sk_anything"), "Content-Length": "2"}
    with app.test_request_context(path, method="POST", headers=headers, data=b"{}"):
        assert (guard._deferrable_key_digest() is not None) == deferred
    with_key = {**headers, "Idempotency-Key": "k"}
    with app.test_request_context(path, method="POST", headers=with_key, data=b"{}"):
        assert guard._deferrable_key_digest() is None


@pytest.mark.parametrize(
    ("holder", "entity", "refusal"),
    [
        ("granted", "team", None),
        ("granted", "elsewhere", "not granted"),
        ("unknown", "team", "unknown"),
    ],
)
def test_a_prediction_batch_presenting_one_key_is_stored_whole_or_not(app, holder, entity, refusal):
    user, key = make_api_user(app, entities=("team",))
    digest = keys.hash_key("sk_unknown" if holder == "unknown" else key)
    fields = validate(PredictionCreate, prediction_body(evaluation_run_id="r"))
    creates = [
        score_batches.PendingCreate(predictions.row_of(entity, "proj", fields, ""), digest)
        for _ in range(3)
    ]
    with app.app_context():
        writer = WriterConnection(db.engine)
        outcomes = score_batches.insert_batch(writer, PREDICTIONS_KIND, creates)
        writer.close()
        authors = db.session.scalars(select(Prediction.created_by)).all()
        counted = db.session.scalar(select(func.sum(RunPredictionCount.predictions)))
    if refusal is None:
        assert outcomes == [None] * 3
        assert authors == [user.username] * 3 and counted == 3
    else:
        assert ["unknown" if o.unknown else "not granted" for o in outcomes] == [refusal] * 3
        assert authors == [] and not counted
