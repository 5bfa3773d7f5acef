"""Tenant isolation, built from the app's own route list: a user without access to an
entity gets no data of it from any route, API or UI, and changes nothing in it."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiKey, Score
from tests.builders import PASSWORD, basic, make_api_user, post_score

# Values for every URL variable any route declares. A new route with a new
# variable fails this test until it says how to aim it at the victim's data.
PATH_VALUES = {
    "entity": ["victim-co"],
    "project": ["hidden-proj-zz"],
    "score_id": ["{score_id}"],
    "prediction_id": ["victim-secret-pred"],
    "run_id": ["victim-run-77"],
    "prefix": ["{key_prefix}"],
    "kind": ["csv", "jsonl"],
}
NO_TENANT_DATA = {"static"}
SECRETS = ("victim-secret-pred", "victim-secret-scorer", "victim-secret-value", "victim-run-77")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def world(app, client):
    """A victim entity with a score and a key, and an attacker signed in with a key."""
    victim, victim_key = make_api_user(app, "victim", entities=("victim-co",))
    score_id = post_score(
        client,
        victim_key,
        entity="victim-co",
        project="hidden-proj-zz",
        prediction_id="victim-secret-pred",
        scorer="victim-secret-scorer",
        value={"note": "victim-secret-value"},
        evaluation_run_id="victim-run-77",
    )
    _attacker, attacker_key = make_api_user(app, "mallory", entities=("mallory-co",))
    token = _sign_in(client, "mallory")
    return {
        "score_id": score_id,
        "key_prefix": victim_key[:12],
        "attacker_key": attacker_key,
        "csrf": token,
    }


def _sign_in(client, username: str) -> str:
    token = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return _CSRF.search(client.get("/scores/new").get_data(as_text=True)).group(1)


def _requests(app, world):
    """Every (method, url) the app serves, aimed at the victim's data; sign-out last."""
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint == "admin.logout")
    for rule in rules:
        if rule.endpoint in NO_TENANT_DATA:
            continue
        unknown = set(rule.arguments) - set(PATH_VALUES)
        assert not unknown, f"{rule.rule}: say in PATH_VALUES how to aim {unknown} at a victim"
        variants = [{}]
        for name in rule.arguments:
            variants = [
                {**v, name: value.format(**world)} for v in variants for value in PATH_VALUES[name]
            ]
        for values in variants:
            path = rule.build(values, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


def test_no_route_leaks_or_changes_another_entitys_data(app, client, world):
    query = {
        "entity": "victim-co",
        "project": "hidden-proj-zz",
        "score_ids": world["score_id"],
        "evaluation_run_id": "guess",
        "scorer": "guess",
    }
    form = {
        **query,
        "csrf_token": world["csrf"],
        "confirmed": "yes",
        "prediction_id": "forged",
        "value_type": "json",
        "value": "1",
        "back": "/",
    }
    seen = []
    for method, path in _requests(app, world):
        response = client.open(
            path,
            method=method,
            query_string=query,
            data=form if method in ("POST", "DELETE") else None,
            headers=basic(world["attacker_key"]),
        )
        body = response.get_data(as_text=True)
        seen.append((method, path, response.status_code))
        for secret in SECRETS:
            assert secret not in body, f"{method} {path} leaked {secret}"
        if "{entity}" not in path and "victim-co" not in path:
            assert "hidden-proj-zz" not in body or path == "/scores/new", f"{method} {path}"
    assert len(seen) >= 15
    # Refused outright (not bounced to sign-in, which would test nothing).
    aimed = [(method, path, status) for method, path, status in seen if "victim-co" in path]
    assert aimed and all(status in (403, 404) for _m, _p, status in aimed), aimed

    with app.app_context():
        victim_scores = db.session.scalar(
            select(func.count(Score.id)).where(Score.entity == "victim-co")
        )
        revoked = db.session.scalar(
            select(ApiKey.revoked_at).where(ApiKey.prefix == world["key_prefix"])
        )
    assert victim_scores == 1, "a route created or deleted a score in the victim's entity"
    assert revoked is None, "a route revoked the victim's key"


def test_home_lists_only_permitted_entities(app, client, world):
    body = client.get("/").get_data(as_text=True)
    assert "victim-co" not in body and "hidden-proj-zz" not in body
