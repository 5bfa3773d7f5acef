"""The OpenAPI 3.1 document: the vendor's schemas, plus every answer we give."""

from functools import cache

from app.api import openapi_evals, openapi_evaluations, openapi_scorer_configs
from app.api.openapi_parts import (
    BODY_ANSWERS,
    ERROR_SCHEMAS,
    answer_schema,
    body_schemas,
    deleted,
    id_param,
    idempotency_key,
    ids_param,
    json_answer,
    json_body,
    jsonl_answer,
    moment,
    nullable,
    operation,
    page_params,
    query_param,
    string,
)
from app.validation import ScoreCreate

TAG = "Scores"


def _schemas() -> dict:
    score_props = {
        "score_id": string("Score Id"),
        "prediction_id": string("Prediction Id"),
        "scorer": string("Scorer"),
        "value": {"title": "Value"},
        "evaluation_run_id": nullable({"type": "string"}, "Evaluation Run Id"),
        "wb_user_id": string("Wb User Id"),
        "created_at": moment("Created At"),
        "scorer_config_version": {
            **nullable({"type": "integer"}, "Scorer Config Version"),
            "description": "The version of its scorer's config the value was checked against",
        },
    }
    return {
        **body_schemas(ScoreCreate),
        "ScoreCreateRes": answer_schema(
            "ScoreCreateRes", {"score_id": string("Score Id", description="The score ID")}
        ),
        "ScoreReadRes": answer_schema("ScoreReadRes", score_props),
        "ScoreDeleteRes": deleted("ScoreDeleteRes"),
    }


def _paths() -> dict:
    scores = "/v2/{entity}/{project}/scores"
    create = operation(
        TAG,
        "score_create_v2__entity___project__scores_post",
        "Create a score",
        [idempotency_key("score_id")],
        {
            "200": json_answer("ScoreCreateRes", "Successful Response"),
            "409": json_answer("HTTPError", "The Idempotency-Key was used for a different request"),
            **BODY_ANSWERS,
        },
        requestBody=json_body("ScoreCreateBody"),
    )
    listing = operation(
        TAG,
        "score_list_v2__entity___project__scores_get",
        "List scores (JSON lines, oldest first)",
        [
            query_param("evaluation_run_id", {"anyOf": [{"type": "string"}, {"type": "null"}]}),
            *page_params(),
        ],
        {"200": jsonl_answer("ScoreReadRes", "One score object per line")},
    )
    delete = operation(
        TAG,
        "score_delete_v2__entity___project__scores_delete",
        "Delete scores",
        [ids_param("score_ids", "scores")],
        {"200": json_answer("ScoreDeleteRes", "Successful Response")},
    )
    read = operation(
        TAG,
        "score_read_v2__entity___project__scores__score_id__get",
        "Read a score",
        [id_param("score_id")],
        {
            "200": json_answer("ScoreReadRes", "Successful Response"),
            "404": json_answer("HTTPError", "No such score in this entity/project"),
        },
    )
    return {
        scores: {"post": create, "get": listing, "delete": delete},
        scores + "/{score_id}": {"get": read},
    }


@cache
def build_document() -> dict:
    """The whole document; built once per process."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Scores",
            "version": "0.1.0",
            "description": (
                "A self-hosted server for the Weave v2 Scores, Evaluation Runs, "
                "Predictions and Eval Results APIs."
            ),
        },
        "paths": {
            **_paths(),
            **openapi_evaluations.paths(),
            **openapi_evals.paths(),
            **openapi_scorer_configs.paths(),
        },
        "components": {
            "schemas": {
                **_schemas(),
                **openapi_evals.schemas(),
                **openapi_evaluations.schemas(),
                **openapi_scorer_configs.schemas(),
                **ERROR_SCHEMAS,
            },
            "securitySchemes": {
                "HTTPBasic": {"type": "http", "scheme": "basic"},
                "HTTPBearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
