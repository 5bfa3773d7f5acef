"""Builders for test records, created through the real services."""

import base64
import itertools

from app import storage
from app.services import keys, users
from app.services.evaluation_runs import create_run, new_run_row
from app.services.predictions import new_prediction_row
from app.services.scores import new_score_row
from app.validation import validate_score

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(app, username: str | None = None, *, admin: bool = False, entities=("team",)):
    """Create a user with PASSWORD; return it."""
    with app.app_context():
        return users.create_user(
            username or f"user{next(_counter)}", PASSWORD, is_admin=admin, entities=tuple(entities)
        )


def make_key(app, user) -> str:
    """Create an API key for the user; return the secret."""
    with app.app_context():
        return keys.create_key(user)[1]


def make_api_user(app, username: str | None = None, *, admin: bool = False, entities=("team",)):
    """A user and a key in one step: return (user, key)."""
    user = make_user(app, username, admin=admin, entities=entities)
    return user, make_key(app, user)


def basic(key: str, username: str = "api") -> dict:
    """The Authorization header the Weave SDK sends."""
    token = base64.b64encode(f"{username}:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def score_body(**overrides) -> dict:
    """A valid create body, with fields replaced or added by keyword."""
    body = {
        "prediction_id": f"pred-{next(_counter)}",
        "scorer": "weave:///team/proj/object/exact_match:v1",
        "value": {"correct": True, "score": 0.75},
    }
    body.update(overrides)
    return body


def post_score(client, key: str, entity="team", project="proj", **overrides) -> str:
    """Create a score through the API and return its id."""
    url = f"/v2/{entity}/{project}/scores"
    return _post(client, key, url, score_body(**overrides), "score_id")


def run_body(**overrides) -> dict:
    """A valid evaluation run create body, with fields replaced or added by keyword."""
    body = {
        "evaluation": "weave:///team/proj/object/qa_eval:v1",
        "model": "weave:///team/proj/object/gpt_model:v3",
    }
    body.update(overrides)
    return body


def prediction_body(**overrides) -> dict:
    """A valid prediction create body, with fields replaced or added by keyword."""
    body = {
        "model": "weave:///team/proj/object/gpt_model:v3",
        "inputs": {"question": f"q-{next(_counter)}"},
        "output": {"answer": "42"},
    }
    body.update(overrides)
    return body


def _post(client, key: str, url: str, body: dict, id_name: str) -> str:
    response = client.post(url, json=body, headers=basic(key))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()[id_name]


def post_run(client, key: str, entity="team", project="proj", **overrides) -> str:
    """Create an evaluation run through the API and return its id."""
    url = f"/v2/{entity}/{project}/evaluation_runs"
    return _post(client, key, url, run_body(**overrides), "evaluation_run_id")


def post_prediction(client, key: str, entity="team", project="proj", **overrides) -> str:
    """Create a prediction through the API and return its id."""
    url = f"/v2/{entity}/{project}/predictions"
    return _post(client, key, url, prediction_body(**overrides), "prediction_id")


# --- Runs, predictions and scores in bulk, through the services' row builders and the
# storage batch inserts the API's creates go through (so statistics are kept). ---


def make_run(
    app,
    entity="team",
    project="proj",
    *,
    evaluation="weave:///team/proj/object/qa-eval:v1",
    model="weave:///team/proj/object/model:v1",
    author="someone",
) -> str:
    """Create an evaluation run through the service; return its id."""
    with app.app_context():
        row = new_run_row(
            entity,
            project,
            evaluation=evaluation,
            model=model,
            source_evaluation_run_id=None,
            author=author,
        )
        return create_run(row)


def make_predictions(
    app, run_id, rows, entity="team", project="proj", model="weave:///team/proj/object/model:v1"
) -> list[str]:
    """Store predictions of a run, one per (inputs, output) pair, in one batch; return ids."""
    with app.app_context():
        made = [
            new_prediction_row(
                entity,
                project,
                model=model,
                inputs=inputs,
                output=output,
                evaluation_run_id=run_id,
                genai_span_ref=None,
                author="someone",
            )
            for inputs, output in rows
        ]
        with storage.core_write() as connection:
            storage.insert_predictions(connection, made)
    return [row["id"] for row in made]


def add_scores(app, scores, entity="team", project="proj", author="someone", source="api"):
    """Store scores in one batch, each a dict of create-body fields; return their ids."""
    with app.app_context():
        made = [
            new_score_row(entity, project, validate_score(fields), author, source)
            for fields in scores
        ]
        with storage.core_write() as connection:
            storage.insert_scores(connection, made, [(entity, project, 0)])
    return [row["id"] for row in made]


def make_prediction(
    app, run_id, inputs: dict, output, entity="team", project="proj", model="m", spans=None
) -> str:
    """Store a prediction of a run through the service; return its id."""
    from app.services import predictions

    with app.app_context():
        row = predictions.new_prediction_row(
            entity,
            project,
            model=model,
            inputs=inputs,
            output=output,
            evaluation_run_id=run_id,
            genai_span_ref=spans,
            author="builder",
        )
        return predictions.create_prediction(entity, project, row)


def make_score(
    app, prediction_id: str, scorer: str, value, run_id=None, entity="team", project="proj"
) -> str:
    """Store a score through the service; return its id."""
    from app.services import scores
    from app.validation import validate_score

    body = {"prediction_id": prediction_id, "scorer": scorer, "value": value}
    if run_id is not None:
        body["evaluation_run_id"] = run_id
    with app.app_context():
        return scores.create_score(entity, project, validate_score(body), "builder")
