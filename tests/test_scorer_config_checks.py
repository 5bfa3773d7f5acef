"""Every score write is checked against its scorer's active config, even one made elsewhere."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select, update

from app import storage
from app.extensions import db
from app.models import Score, ScorerConfig, ScorerConfigGeneration
from tests.admin.conftest import csrf_token, sign_in, text
from tests.builders import basic, bearer, make_api_user, score_body

RATING = "weave:///team/proj/object/rating:v1"
SCALE = {"type": "object", "properties": {"stars": {"type": "integer", "minimum": 1, "maximum": 5}}}


def _config(app, schema=SCALE, scorer=RATING) -> int:
    with app.app_context():
        made = storage.add_config_version(
            ScorerConfig(
                entity="team",
                project="proj",
                scorer=scorer,
                field_schema_json=json.dumps(schema),
                created_by="test",
                created_at=datetime.now(UTC),
            )
        )
        return made.version


def _post(client, key, value, headers=None, **fields):
    body = score_body(scorer=RATING, value=value, **fields)
    return client.post("/v2/team/proj/scores", json=body, headers=headers or basic(key))


def _stored_versions(app) -> list:
    with app.app_context():
        return db.session.scalars(select(Score.scorer_config_version).order_by(Score.id)).all()


def test_a_scorer_without_a_config_takes_any_value(app, client):
    _user, key = make_api_user(app)
    for value in ({"stars": 9}, "ture", None):
        assert _post(client, key, value).status_code == 200
    assert _stored_versions(app) == [None, None, None]


@pytest.mark.parametrize("how", ["plain", "bearer", "idempotent"])
def test_a_value_breaking_the_config_is_refused_on_every_create_path(app, client, how):
    _user, key = make_api_user(app)
    version = _config(app)
    headers = {"plain": basic(key), "bearer": bearer(key)}.get(how)
    if how == "idempotent":
        headers = {**basic(key), "Idempotency-Key": "k1"}
    response = _post(client, key, {"stars": 7}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["detail"] == [
        {
            "type": "scorer_config",
            "loc": ["body", "value", "stars"],
            "msg": "7 is greater than the maximum of 5",
            "input": 7,
            "ctx": {"scorer": RATING, "version": version},
        }
    ]
    if how == "idempotent":
        headers = {**basic(key), "Idempotency-Key": "k2"}
    assert _post(client, key, {"stars": 4}, headers=headers).status_code == 200
    assert _stored_versions(app) == [version]


def test_an_unknown_caller_learns_nothing_about_the_config(app, client):
    make_api_user(app)
    _config(app)
    response = _post(client, "sk_not-a-key", {"stars": 7})
    assert response.status_code == 401


def test_an_archived_config_stops_the_checks_and_a_new_version_starts_them(app, client):
    _user, key = make_api_user(app)
    _config(app)
    with app.app_context():
        storage.archive_config("team", "proj", RATING)
    assert _post(client, key, {"stars": 7}).status_code == 200
    second = _config(app, {"type": "object", "properties": {"stars": {"maximum": 9}}})
    assert second == 2
    assert _post(client, key, {"stars": 7}).status_code == 200
    assert _post(client, key, {"stars": 10}).status_code == 422
    assert _stored_versions(app) == [None, 2]


def test_a_config_made_by_another_process_is_checked_at_once(app, client, database_url):
    _user, key = make_api_user(app)
    assert _post(client, key, {"stars": 7}).status_code == 200  # this process now knows no config
    # Another process (its own engine) adds a config, bumping the generation.
    other = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with other.begin() as connection:
        connection.execute(
            ScorerConfig.__table__.insert(),
            {
                "entity": "team",
                "project": "proj",
                "scorer_digest": storage.scorer_digest(RATING),
                "version": 1,
                "scorer": RATING,
                "field_schema_json": json.dumps(SCALE),
                "archived": False,
                "created_by": "elsewhere",
                "created_at": datetime.now(UTC),
            },
        )
        connection.execute(
            ScorerConfigGeneration.__table__.insert(),
            {"entity": "team", "project": "proj", "generation": 1},
        )
    other.dispose()
    assert _post(client, key, {"stars": 7}).status_code == 422
    assert _post(client, key, {"stars": 2}).status_code == 200
    assert _stored_versions(app) == [None, 1]


def test_a_batch_from_a_stale_generation_stores_nothing(app):
    # The check itself: a create stamped with an old generation is refused whole.
    with app.app_context():
        _config(app)
        with db.engine.begin() as connection:
            connection.execute(update(ScorerConfigGeneration).values(generation=7))
        from app.services.scores import new_score_row
        from app.validation import validate_score

        row = new_score_row("team", "proj", validate_score(score_body()), "me", "api")
        with pytest.raises(storage.ConfigsChanged):
            storage.store_score(row, generation=1)
        assert db.session.scalar(select(Score.id)) is None


def test_the_form_shows_the_configs_message_beside_the_value(app, client):
    make_api_user(app, "tess")
    _config(app)
    assert sign_in(client, "tess").status_code == 302
    form = {
        "csrf_token": csrf_token(client, "/scores/new"),
        "entity": "team",
        "project": "proj",
        "prediction_id": "p",
        "scorer": RATING,
        "value_type": "json",
        "value": '{"stars": 0}',
    }
    response = client.post("/scores/new", data=form)
    assert response.status_code == 422
    assert "0 is less than the minimum of 1" in text(response)
    assert _stored_versions(app) == []


def test_a_config_archived_by_another_process_no_longer_refuses(app, client, database_url):
    _user, key = make_api_user(app)
    _config(app)
    assert _post(client, key, {"stars": 7}).status_code == 422  # remembered here now
    other = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with other.begin() as connection:
        connection.execute(update(ScorerConfig).values(archived=True))
        connection.execute(
            update(ScorerConfigGeneration).values(generation=ScorerConfigGeneration.generation + 1)
        )
    other.dispose()
    assert _post(client, key, {"stars": 7}).status_code == 200
    assert _stored_versions(app) == [None]
