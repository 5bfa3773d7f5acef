"""Authentication and entity access on every /v2 and /api/v1 route (contract: Authentication)."""

import base64

import pytest

from tests.builders import basic, bearer, make_api_user, make_user, post_score, score_body

ROUTES = [
    ("post", "/v2/team/proj/scores"),
    ("get", "/v2/team/proj/scores"),
    ("get", "/v2/team/proj/scores/some-id"),
    ("delete", "/v2/team/proj/scores?score_ids=x"),
    ("post", "/v2/team/proj/evaluation_runs"),
    ("get", "/v2/team/proj/evaluation_runs"),
    ("get", "/v2/team/proj/evaluation_runs/some-id"),
    ("post", "/v2/team/proj/evaluation_runs/some-id/finish"),
    ("delete", "/v2/team/proj/evaluation_runs?evaluation_run_ids=x"),
    ("post", "/v2/team/proj/predictions"),
    ("get", "/v2/team/proj/predictions"),
    ("get", "/v2/team/proj/predictions/some-id"),
    ("post", "/v2/team/proj/predictions/some-id/finish"),
    ("delete", "/v2/team/proj/predictions?prediction_ids=x"),
    ("get", "/api/v1/team/proj/scorer-configs"),
    ("get", "/api/v1/team/proj/scorer-configs?scorer=s"),
    ("post", "/api/v1/team/proj/scorer-configs"),
    ("delete", "/api/v1/team/proj/scorer-configs?scorer=s"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_credentials_is_401_not_authenticated(client, method, path):
    response = getattr(client, method)(path, json=score_body())
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Not authenticated"}
    assert response.headers["WWW-Authenticate"] == "Basic"


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("make_header", [basic, bearer])
def test_unknown_key_on_every_route_is_invalid_credentials(client, method, path, make_header):
    response = getattr(client, method)(path, data=b"{bad", headers=make_header("sk_unknown"))
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Invalid authentication credentials"}


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_entity_not_granted_is_403_on_every_route(app, client, method, path):
    _user, key = make_api_user(app, entities=("team",))
    other = path.replace("/team/", "/other/")
    response = getattr(client, method)(other, data=b"{bad", headers=basic(key))
    assert response.status_code == 403
    assert response.get_json() == {"detail": "Not allowed to access entity 'other'"}


@pytest.mark.parametrize(
    "header",
    ["Basic", "Basic !!!not-base64", "Bearer", "Token abc", "Digest x=y", "garbage"],
)
def test_malformed_authorization_is_not_authenticated(client, header):
    response = client.get("/v2/team/proj/scores", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Not authenticated"}
    assert response.headers["WWW-Authenticate"] == "Basic"


@pytest.mark.parametrize("make_header", [basic, bearer])
def test_unknown_key_is_invalid_credentials(client, make_header):
    response = client.get("/v2/team/proj/scores", headers=make_header("sk_unknown"))
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Invalid authentication credentials"}
    assert response.headers["WWW-Authenticate"] == "Basic"


def test_basic_accepts_any_username_and_bearer_works(app, client):
    _user, key = make_api_user(app)
    for headers in (basic(key), basic(key, username="someone"), bearer(key)):
        assert client.get("/v2/team/proj/scores", headers=headers).status_code == 200


def test_revoked_key_is_refused(app, client):
    from app.services import keys

    user, key = make_api_user(app)
    assert client.get("/v2/team/proj/scores", headers=basic(key)).status_code == 200
    with app.app_context():
        keys.revoke_key(key[:12], user)
    response = client.get("/v2/team/proj/scores", headers=basic(key))
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Invalid authentication credentials"}


def test_entity_not_granted_is_403(app, client):
    _user, key = make_api_user(app, entities=("team",))
    response = client.post("/v2/other/proj/scores", json=score_body(), headers=basic(key))
    assert response.status_code == 403
    assert response.get_json() == {"detail": "Not allowed to access entity 'other'"}


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if "/api/v1/" in r[1]])
def test_a_scorer_config_of_an_entity_not_granted_is_403(app, client, method, path):
    _user, key = make_api_user(app, entities=("team",))
    body = {"scorer": "s", "field_schema": {"type": "boolean"}}
    response = getattr(client, method)(
        path.replace("/team/", "/other/"), json=body, headers=basic(key)
    )
    assert response.status_code == 403
    assert response.get_json() == {"detail": "Not allowed to access entity 'other'"}
    # A key that may use the entity is answered (the admin reaches every entity).
    _admin, admin_key = make_api_user(app, admin=True, entities=())
    allowed = getattr(client, method)(
        path.replace("/team/", "/other/"), json=body, headers=basic(admin_key)
    )
    assert allowed.status_code in (200, 404)


def test_admin_reaches_every_entity(app, client):
    _admin, key = make_api_user(app, admin=True, entities=())
    post_score(client, key, entity="anything")


def test_unauthenticated_request_gets_no_validation_details(client):
    response = client.post(
        "/v2/team/proj/scores", data=b"{not json", content_type="application/json"
    )
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Not authenticated"}


def test_unauthenticated_oversized_body_is_401_not_413(client):
    response = client.post(
        "/v2/team/proj/scores", data=b"x" * (2 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 401


def test_users_cannot_see_or_delete_each_others_scores(app, client):
    _alice, alice_key = make_api_user(app, entities=("alpha",))
    _bob, bob_key = make_api_user(app, entities=("beta",))
    alice_score = post_score(client, alice_key, entity="alpha")
    post_score(client, bob_key, entity="beta")

    assert (
        client.get(f"/v2/alpha/proj/scores/{alice_score}", headers=basic(bob_key)).status_code
        == 403
    )
    assert client.get("/v2/alpha/proj/scores", headers=basic(bob_key)).status_code == 403
    deleted = client.delete(
        f"/v2/alpha/proj/scores?score_ids={alice_score}", headers=basic(bob_key)
    )
    assert deleted.status_code == 403
    # Bob's own entity holds no trace of Alice's score either.
    assert (
        client.get(f"/v2/beta/proj/scores/{alice_score}", headers=basic(bob_key)).status_code == 404
    )
    bob_delete = client.delete(
        f"/v2/beta/proj/scores?score_ids={alice_score}", headers=basic(bob_key)
    )
    assert bob_delete.get_json() == {"num_deleted": 0}
    still_there = client.get(f"/v2/alpha/proj/scores/{alice_score}", headers=basic(alice_key))
    assert still_there.status_code == 200


def test_keys_are_stored_only_as_hashes(app):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ApiKey

    _user, key = make_api_user(app)
    with app.app_context():
        record = db.session.scalar(select(ApiKey))
        stored = [str(getattr(record, column.key)) for column in ApiKey.__table__.columns]
    assert key.startswith("sk_") and len(key) >= 40
    assert all(key not in value for value in stored)
    assert record.prefix == key[:12]


def test_last_used_is_recorded(app, client):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ApiKey

    _user, key = make_api_user(app)
    client.get("/v2/team/proj/scores", headers=basic(key))
    with app.app_context():
        assert db.session.scalar(select(ApiKey.last_used_at)) is not None


def test_password_is_hashed_with_a_slow_kdf_by_default(app, monkeypatch):
    from app import config

    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)
    assert config.load(app.instance_path)["PASSWORD_HASH_METHOD"] == "scrypt"
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    user = make_user(app)
    assert user.password_hash.startswith("scrypt:")


def test_basic_with_non_utf8_credentials_is_not_a_500(client):
    token = base64.b64encode(b"api:\xff\xfe").decode()
    response = client.get("/v2/team/proj/scores", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401


def test_last_used_is_written_at_most_once_a_minute(app, client):
    from datetime import timedelta

    from sqlalchemy import select, update

    from app.extensions import db
    from app.models import ApiKey

    _user, key = make_api_user(app)

    def last_used():
        with app.app_context():
            return db.session.scalar(select(ApiKey.last_used_at))

    client.get("/v2/team/proj/scores", headers=basic(key))
    first = last_used()
    client.get("/v2/team/proj/scores", headers=basic(key))
    assert last_used() == first  # within the minute: no write
    with app.app_context():
        db.session.execute(update(ApiKey).values(last_used_at=first - timedelta(seconds=61)))
        db.session.commit()
    client.get("/v2/team/proj/scores", headers=basic(key))
    assert last_used() >= first  # older than a minute: written again


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "basic", "BASIC"])
def test_the_scheme_name_is_case_insensitive_on_every_route(app, client, scheme):
    _user, key = make_api_user(app, entities=("team",))
    if scheme.lower() == "bearer":
        credentials = key
    else:
        credentials = base64.b64encode(f"api:{key}".encode()).decode()
    auth = {"Authorization": f"{scheme} {credentials}"}
    score_id = post_score(client, key)
    url = "/v2/team/proj/scores"
    created = client.post(url, json=score_body(), headers=auth)
    replayed = client.post(url, json=score_body(), headers={**auth, "Idempotency-Key": "k"})
    read = client.get(f"{url}/{score_id}", headers=auth)
    listed = client.get(url, headers=auth)
    deleted = client.delete(url, query_string={"score_ids": score_id}, headers=auth)
    statuses = [r.status_code for r in (created, replayed, read, listed, deleted)]
    assert statuses == [200] * 5
    assert deleted.get_json() == {"num_deleted": 1}


def test_nul_in_the_entity_with_a_wrong_key_is_a_401(client):
    # PostgreSQL cannot compare a string holding NUL: the key check must not try.
    for headers in (basic("sk_wrong"), bearer("sk_wrong")):
        response = client.get("/v2/te%00am/proj/scores", headers=headers)
        assert response.status_code == 401
        assert response.get_json() == {"detail": "Invalid authentication credentials"}
