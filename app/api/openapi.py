"""The OpenAPI 3.1 document: the vendor's schemas, plus every answer we give."""

from functools import cache

from app.api.params import MAX_ROWS
from app.field_schemas import MAX_SCHEMA_BYTES
from app.validation import ScoreCreate, ScorerConfigCreate, path_segment_schema

REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict:
    return {"$ref": REF.format(model=name)}


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _path_param(name: str) -> dict:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "schema": {"title": name.replace("_", " ").title(), **path_segment_schema()},
    }


def _query_param(name: str, schema: dict) -> dict:
    return {"in": "query", "name": name, "required": False, "schema": schema}


# Answers every authenticated /v2 route can give besides its own.
_COMMON = {
    "401": _json("HTTPError", "Missing or invalid credentials"),
    "403": _json("HTTPError", "The key's owner may not use this entity"),
    "422": _json("HTTPValidationError", "Validation Error"),
    "503": _json("HTTPError", "Database unavailable"),
}
_SECURITY: list[dict[str, list]] = [{"HTTPBasic": []}, {"HTTPBearer": []}]


def _operation(
    operation_id: str, summary: str, params: list, responses: dict, tags=("Scores",), **extra
) -> dict:
    return {
        "tags": list(tags),
        "summary": summary,
        "operationId": operation_id,
        "parameters": [_path_param("entity"), _path_param("project"), *params],
        "responses": {**responses, **_COMMON},
        "security": _SECURITY,
        **extra,
    }


def _schemas() -> dict:
    create = ScoreCreate.model_json_schema(ref_template=REF)
    score_props = {
        "score_id": {"type": "string", "title": "Score Id"},
        "prediction_id": {"type": "string", "title": "Prediction Id"},
        "scorer": {"type": "string", "title": "Scorer"},
        "value": {"title": "Value"},
        "evaluation_run_id": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "title": "Evaluation Run Id",
        },
        "wb_user_id": {"type": "string", "title": "Wb User Id"},
        "created_at": {"type": "string", "format": "date-time", "title": "Created At"},
        "scorer_config_version": {
            "anyOf": [{"type": "integer"}, {"type": "null"}],
            "title": "Scorer Config Version",
            "description": "The version of its scorer's config the value was checked against",
        },
    }
    return {
        **_config_schemas(),
        "ScoreCreateBody": create,
        "ScoreCreateRes": {
            "type": "object",
            "title": "ScoreCreateRes",
            "properties": {
                "score_id": {"type": "string", "title": "Score Id", "description": "The score ID"}
            },
            "required": ["score_id"],
        },
        "ScoreReadRes": {
            "type": "object",
            "title": "ScoreReadRes",
            "properties": score_props,
            "required": list(score_props),
        },
        "ScoreDeleteRes": {
            "type": "object",
            "title": "ScoreDeleteRes",
            "properties": {
                "num_deleted": {"type": "integer", "minimum": 0, "title": "Num Deleted"}
            },
            "required": ["num_deleted"],
        },
        "HTTPError": {
            "type": "object",
            "title": "HTTPError",
            "properties": {"detail": {"type": "string", "title": "Detail"}},
            "required": ["detail"],
        },
        "HTTPValidationError": {
            "type": "object",
            "title": "HTTPValidationError",
            "properties": {
                "detail": {"type": "array", "title": "Detail", "items": _ref("ValidationError")}
            },
        },
        "ValidationError": {
            "type": "object",
            "title": "ValidationError",
            "properties": {
                "loc": {
                    "type": "array",
                    "title": "Location",
                    "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                },
                "msg": {"type": "string", "title": "Message"},
                "type": {"type": "string", "title": "Error Type"},
                "input": {"title": "Input"},
                "ctx": {"type": "object", "title": "Context"},
            },
            "required": ["loc", "msg", "type"],
        },
    }


def _config_schemas() -> dict:
    body = ScorerConfigCreate.model_json_schema(ref_template=REF)
    body["properties"]["field_schema"]["description"] = (
        "The JSON Schema of a value: boolean; number or integer (minimum, maximum, multipleOf); "
        "string with enum (labels) or maxLength (text); or an object of those (properties, "
        f"required, additionalProperties false). At most {MAX_SCHEMA_BYTES} bytes as JSON."
    )
    config_props = {
        **body["properties"],
        "version": {"type": "integer", "minimum": 1, "title": "Version"},
        "archived": {"type": "boolean", "title": "Archived"},
        "created_at": {"type": "string", "format": "date-time", "title": "Created At"},
        "created_by": {"type": "string", "title": "Created By"},
    }
    return {
        "ScorerConfigCreateBody": body,
        "ScorerConfig": {
            "type": "object",
            "title": "ScorerConfig",
            "properties": config_props,
            "required": list(config_props),
        },
        "ScorerConfigList": {
            "type": "object",
            "title": "ScorerConfigList",
            "properties": {
                "configs": {"type": "array", "items": _ref("ScorerConfig"), "title": "Configs"}
            },
            "required": ["configs"],
        },
    }


def _config_paths() -> dict:
    tags = ("Scorer configs",)
    scorer = {
        "in": "query",
        "name": "scorer",
        "schema": {"type": "string", "minLength": 1, "maxLength": 1024},
        "description": "The scorer, exactly as its scores name it",
    }
    config = _json("ScorerConfig", "The scorer's config")
    read = _operation(
        "scorer_configs_get",
        "List the active configs; with ?scorer=, read that scorer's latest version",
        [{**scorer, "required": False}],
        {
            "200": {
                "description": "{configs: [...]} without ?scorer=; the config with it",
                "content": {
                    "application/json": {
                        "schema": {"oneOf": [_ref("ScorerConfigList"), _ref("ScorerConfig")]}
                    }
                },
            },
            "404": _json("HTTPError", "The scorer has no config"),
        },
        tags,
    )
    save = _operation(
        "scorer_configs_post",
        "Create a scorer's config, or replace it with a new version",
        [],
        {
            "200": config,
            "400": _json("HTTPError", "The body is not valid UTF-8"),
            "413": _json("HTTPError", "The body is over the size limit"),
        },
        tags,
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": _ref("ScorerConfigCreateBody")}},
        },
    )
    archive = _operation(
        "scorer_configs_delete",
        "Archive a scorer's config: checks stop, stored scores stay",
        [{**scorer, "required": True}],
        {"200": config, "404": _json("HTTPError", "The scorer has no config")},
        tags,
    )
    return {
        "/api/v1/{entity}/{project}/scorer-configs": {"get": read, "post": save, "delete": archive}
    }


_IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": (
        "Makes a retried create safe: the same key with the same body returns the first "
        "score_id and stores nothing new; with a different body, 409. Scoped to the caller, "
        "kept at least 24 hours."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


def _paths() -> dict:
    scores = "/v2/{entity}/{project}/scores"
    create = _operation(
        "score_create_v2__entity___project__scores_post",
        "Create a score",
        [_IDEMPOTENCY_KEY],
        {
            "200": _json("ScoreCreateRes", "Successful Response"),
            "409": _json("HTTPError", "The Idempotency-Key was used for a different request"),
            "400": _json("HTTPError", "The body is not valid UTF-8"),
            "413": _json("HTTPError", "The body is over the size limit"),
        },
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": _ref("ScoreCreateBody")}},
        },
    )
    listing = _operation(
        "score_list_v2__entity___project__scores_get",
        "List scores (JSON lines, oldest first)",
        [
            _query_param("evaluation_run_id", {"anyOf": [{"type": "string"}, {"type": "null"}]}),
            _query_param(
                "limit",
                {
                    "anyOf": [
                        {"type": "integer", "minimum": 0, "maximum": MAX_ROWS},
                        {"type": "null"},
                    ]
                },
            ),
            _query_param(
                "offset",
                {
                    "anyOf": [
                        {"type": "integer", "minimum": 0, "maximum": MAX_ROWS},
                        {"type": "null"},
                    ]
                },
            ),
        ],
        {
            "200": {
                "description": "One score object per line",
                "content": {"application/jsonl": {"schema": _ref("ScoreReadRes")}},
            }
        },
    )
    delete = _operation(
        "score_delete_v2__entity___project__scores_delete",
        "Delete scores",
        [
            {
                "in": "query",
                "name": "score_ids",
                "required": True,
                "schema": {"type": "array", "items": {"type": "string"}},
            }
        ],
        {"200": _json("ScoreDeleteRes", "Successful Response")},
    )
    read = _operation(
        "score_read_v2__entity___project__scores__score_id__get",
        "Read a score",
        [
            {
                "in": "path",
                "name": "score_id",
                "required": True,
                "schema": {"type": "string", "title": "Score Id"},
            }
        ],
        {
            "200": _json("ScoreReadRes", "Successful Response"),
            "404": _json("HTTPError", "No such score in this entity/project"),
        },
    )
    return {
        scores: {"post": create, "get": listing, "delete": delete},
        scores + "/{score_id}": {"get": read},
        **_config_paths(),
    }


@cache
def build_document() -> dict:
    """The whole document; built once per process."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Scores",
            "version": "0.1.0",
            "description": "A self-hosted server for the Weave v2 Scores API.",
        },
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "HTTPBasic": {"type": "http", "scheme": "basic"},
                "HTTPBearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
