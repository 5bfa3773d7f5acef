"""The OpenAPI description of our own /api/v1 scorer-config routes."""

from app.api.openapi_parts import BODY_ANSWERS, json_answer, json_body, operation, ref
from app.field_schemas import MAX_SCHEMA_BYTES
from app.validation import REF_MAX_LENGTH, ScorerConfigCreate

TAG = "Scorer configs"
PATH = "/api/v1/{entity}/{project}/scorer-configs"


def schemas() -> dict:
    """The create body, a stored config and the list of them."""
    body = ScorerConfigCreate.model_json_schema(ref_template="#/components/schemas/{model}")
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
                "configs": {"type": "array", "items": ref("ScorerConfig"), "title": "Configs"}
            },
            "required": ["configs"],
        },
    }


def paths() -> dict:
    """List or read, save a new version, archive."""
    scorer = {
        "in": "query",
        "name": "scorer",
        "schema": {"type": "string", "minLength": 1, "maxLength": REF_MAX_LENGTH},
        "description": "The scorer, exactly as its scores name it",
    }
    config = json_answer("ScorerConfig", "The scorer's config")
    missing = json_answer("HTTPError", "The scorer has no config")
    read = operation(
        TAG,
        "scorer_configs_get",
        "List the active configs; with ?scorer=, read that scorer's latest version",
        [{**scorer, "required": False}],
        {
            "200": {
                "description": "{configs: [...]} without ?scorer=; the config with it",
                "content": {
                    "application/json": {
                        "schema": {"oneOf": [ref("ScorerConfigList"), ref("ScorerConfig")]}
                    }
                },
            },
            "404": missing,
        },
    )
    save = operation(
        TAG,
        "scorer_configs_post",
        "Create a scorer's config, or replace it with a new version",
        [],
        {"200": config, **BODY_ANSWERS},
        requestBody=json_body("ScorerConfigCreateBody"),
    )
    archive = operation(
        TAG,
        "scorer_configs_delete",
        "Archive a scorer's config: checks stop, stored scores stay",
        [{**scorer, "required": True}],
        {"200": config, "404": missing},
    )
    return {PATH: {"get": read, "post": save, "delete": archive}}
