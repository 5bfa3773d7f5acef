"""Tenant isolation, built from the app's own route list: a user without access to an
entity gets no data of it from any route, API or UI, and changes nothing in it."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    ApiKey,
    EvaluationRun,
    Prediction,
    ReviewQueue,
    ReviewQueueItem,
    Score,
    ScorerConfig,
)
from app.services import review_queues
from app.validation import validate_review_queue
from tests.builders import PASSWORD, basic, make_api_user, post_prediction, post_run, post_score

# Values for every URL variable any route declares. A new route with a new
# variable fails this test until it says how to aim it at the victim's data.
PATH_VALUES = {
    "entity": ["victim-co"],
    "project": ["hidden-proj-zz"],
    "score_id": ["{score_id}"],
    "evaluation_run_id": ["{run_id}"],
    "prediction_id": ["{prediction_id}", "victim-secret-pred"],
    "run_id": ["{run_id}", "victim-run-77"],
    "prefix": ["{key_prefix}"],
    "kind": ["csv", "jsonl"],
    "queue_id": ["{queue_id}"],
}
NO_TENANT_DATA = {"static"}
SECRETS = (
    "victim-secret-pred",
    "victim-secret-scorer",
    "victim-secret-value",
    "victim-run-77",
    "victim-secret-evaluation",
    "victim-secret-model",
    "victim-secret-inputs",
    "victim-secret-output",
    "victim-secret-config",
    "victim-secret-queue",
)
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
    victim_project = {"entity": "victim-co", "project": "hidden-proj-zz"}
    run_id = post_run(
        client,
        victim_key,
        **victim_project,
        evaluation="victim-secret-evaluation",
        model="victim-secret-model",
    )
    prediction_id = post_prediction(
        client,
        victim_key,
        **victim_project,
        model="victim-secret-model",
        inputs={"q": "victim-secret-inputs"},
        output="victim-secret-output",
        evaluation_run_id=run_id,
    )
    # A score of the prediction: what eval results and the Compare page line up.
    post_score(
        client,
        victim_key,
        **victim_project,
        prediction_id=prediction_id,
        scorer="victim-secret-scorer",
        value=True,
        evaluation_run_id=run_id,
    )
    config = client.post(
        "/api/v1/victim-co/hidden-proj-zz/scorer-configs",
        json={
            "scorer": "guess",
            "display_name": "victim-secret-config",
            "field_schema": {"type": "string", "enum": ["victim-secret-value"]},
        },
        headers=basic(victim_key),
    )
    assert config.status_code == 200
    with app.app_context():
        settings = validate_review_queue(
            {"name": "victim-secret-queue", "scorers": ["guess"], "reviewers_per_item": 1}
        )
        queue_id = review_queues.create_queue("victim-co", "hidden-proj-zz", settings, "victim")
        queue = review_queues.get_queue("victim-co", "hidden-proj-zz", queue_id)
        review_queues.add_predictions(queue, [prediction_id])
    _attacker, attacker_key = make_api_user(app, "mallory", entities=("mallory-co",))
    token = _sign_in(client, "mallory")
    return {
        "score_id": score_id,
        "run_id": run_id,
        "prediction_id": prediction_id,
        "key_prefix": victim_key[:12],
        "queue_id": queue_id,
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
        "evaluation_run_ids": world["run_id"],
        "prediction_ids": world["prediction_id"],
        "evaluation_run_id": "guess",
        "scorer": "guess",
        # Compare: the victim's runs, a filter and a text search that would match them.
        "runs": [world["run_id"], "victim-run-77"],
        "f": "victim-secret-scorer = true",
        "q": "victim-secret",
        "prediction_id": "forged",
    }
    form = {
        **query,
        "csrf_token": world["csrf"],
        "confirmed": "yes",
        "prediction_id": "forged",
        "value_type": "json",
        "value": "1",
        "back": "/",
        "shape": "boolean",
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
    assert len(seen) >= 25
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
        runs = db.session.execute(
            select(EvaluationRun.id, EvaluationRun.status, EvaluationRun.finished_at)
        ).all()
        predictions = db.session.execute(select(Prediction.id, Prediction.finished_at)).all()
        configs = db.session.execute(select(ScorerConfig.version, ScorerConfig.archived)).all()
        queues = db.session.execute(
            select(ReviewQueue.name, func.count(ReviewQueueItem.id))
            .join(ReviewQueueItem, ReviewQueueItem.queue_id == ReviewQueue.id)
            .group_by(ReviewQueue.name)
        ).all()
    aimed_at = {path for _method, path, _status in aimed}
    for variable in ("run_id", "prediction_id"):
        assert any(world[variable] in path for path in aimed_at), f"no route aimed at {variable}"
    assert any(f"/queues/{world['queue_id']}" in path for path in aimed_at), "no queue route"
    assert victim_scores == 2, "a route created or deleted a score in the victim's entity"
    assert runs == [(world["run_id"], "running", None)], "a route changed the victim's runs"
    assert predictions == [(world["prediction_id"], None)], "a route changed its predictions"
    assert configs == [(1, False)], "a route changed the victim's scorer config"
    assert revoked is None, "a route revoked the victim's key"
    assert queues == [("victim-secret-queue", 1)], "a route changed the victim's queue"


def test_home_lists_only_permitted_entities(app, client, world):
    body = client.get("/").get_data(as_text=True)
    assert "victim-co" not in body and "hidden-proj-zz" not in body


def test_naming_another_entitys_runs_in_ones_own_project_shows_nothing(app, client, world):
    runs = [world["run_id"], "victim-run-77"]
    body = {"evaluation_run_ids": runs, "include_summary": True, "include_raw_data_rows": True}
    api = client.post(
        "/v2/mallory-co/mine/eval_results/query", json=body, headers=basic(world["attacker_key"])
    )
    assert api.status_code == 200
    answer = api.get_json()
    assert answer["rows"] == [] and answer["total_rows"] == 0
    assert all(e["trial_count"] == 0 for e in answer["summary"]["evaluations"])
