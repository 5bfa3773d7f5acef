"""Errors outside the happy path are JSON; /health and /openapi.json."""

import pytest

from app import create_app
from tests.builders import basic, make_api_user, score_body


def test_unknown_v2_route_is_json_404(client):
    for path in (
        "/v2/team/proj/nothing",
        "/v2",
        "/v2/x",
        "/v2/team/proj/scores/a/b",
        "/v2/team/proj/evaluation_runs/a/b",
        "/v2/team/proj/predictions/a/finish/b",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/v2/team/proj/scores", "POST"),
        ("put", "/v2/team/proj/evaluation_runs", "POST"),
        ("patch", "/v2/team/proj/evaluation_runs/r", "GET"),
        ("get", "/v2/team/proj/evaluation_runs/r/finish", "POST"),
        ("put", "/v2/team/proj/predictions", "DELETE"),
        ("delete", "/v2/team/proj/predictions/p", "GET"),
        ("get", "/v2/team/proj/predictions/p/finish", "POST"),
    ],
)
def test_wrong_method_is_json_405(app, client, method, path, allowed):
    _user, key = make_api_user(app)
    response = getattr(client, method)(path, headers=basic(key))
    assert response.status_code == 405
    assert response.get_json() == {"detail": "Method Not Allowed"}
    assert allowed in response.headers["Allow"]


def test_unexpected_failure_is_json_500_without_details(app, client, monkeypatch, caplog):
    from dataclasses import replace

    from app.api import scores

    def explode(*_args, **_kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(scores, "CREATES", replace(scores.CREATES, for_key=explode))
    _user, key = make_api_user(app)
    response = client.post("/v2/team/proj/scores", json=score_body(), headers=basic(key))
    assert response.status_code == 500
    assert response.get_json() == {"detail": "Internal Server Error"}
    assert "secret" not in response.get_data(as_text=True)
    assert "secret internal detail" in caplog.text


def test_health_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.fixture(params=["sqlite", "postgresql"])
def unreachable_app(request, tmp_path, monkeypatch):
    urls = {
        "sqlite": f"sqlite:///{tmp_path}/missing-dir/scores.db",
        "postgresql": "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1",
    }
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", urls[request.param])
    monkeypatch.setenv("SECRET_KEY", "x")
    application = create_app({"TESTING": True})
    yield application
    with application.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_database_unreachable_gives_503_json(unreachable_app, caplog):
    client = unreachable_app.test_client()
    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json()["status"] == "unavailable"
    api = client.get("/v2/team/proj/scores", headers=basic("sk_whatever"))
    assert api.status_code == 503
    assert api.get_json() == {"detail": "Database unavailable"}
    assert "Traceback" not in api.get_data(as_text=True)
    # The log says which request failed, and the driver's reason.
    (logged,) = [r.getMessage() for r in caplog.records if "database unavailable" in r.getMessage()]
    assert logged.startswith("database unavailable on GET /v2/team/proj/scores: OperationalError: ")
    assert len(logged) > len("database unavailable on GET /v2/team/proj/scores: OperationalError: ")


def test_openapi_describes_every_v2_and_api_v1_route(app, client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    served = {
        (rule.rule.replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/v2/", "/api/v1/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert served == documented


def test_openapi_create_schema_matches_the_vendor_seed(client):
    document = client.get("/openapi.json").get_json()
    operation = document["paths"]["/v2/{entity}/{project}/scores"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert body["title"] == "ScoreCreateBody" and body["type"] == "object"
    assert set(body["properties"]) == {"prediction_id", "scorer", "value", "evaluation_run_id"}
    assert sorted(body["required"]) == ["prediction_id", "scorer", "value"]
    assert body["properties"]["prediction_id"]["type"] == "string"
    assert body["properties"]["scorer"]["type"] == "string"
    assert "type" not in body["properties"]["value"] and "anyOf" not in body["properties"]["value"]
    run_types = {option["type"] for option in body["properties"]["evaluation_run_id"]["anyOf"]}
    assert run_types == {"string", "null"}
    created = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert created.endswith("/ScoreCreateRes")
    assert {"HTTPBasic", "HTTPBearer"} == set(document["components"]["securitySchemes"])


def test_openapi_describes_the_scorer_config_body(client):
    document = client.get("/openapi.json").get_json()
    operation = document["paths"]["/api/v1/{entity}/{project}/scorer-configs"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert sorted(body["required"]) == ["field_schema", "scorer"]
    assert set(body["properties"]) == {
        "scorer",
        "field_schema",
        "display_name",
        "description",
        "direction",
    }
    read = document["components"]["schemas"]["ScoreReadRes"]["properties"]
    assert "scorer_config_version" in read


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    validate(client.get("/openapi.json").get_json())
