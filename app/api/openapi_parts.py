"""The pieces every operation of the OpenAPI document is made of: references, parameters,
the answers every route can give, and the schemas of errors."""

from pydantic import BaseModel

from app.api.params import MAX_ROWS
from app.validation import path_segment_schema

REF = "#/components/schemas/{model}"
SECURITY: list[dict[str, list]] = [{"HTTPBasic": []}, {"HTTPBearer": []}]


def ref(name: str) -> dict:
    return {"$ref": REF.format(model=name)}


def json_answer(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": ref(schema_name)}},
    }


def jsonl_answer(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/jsonl": {"schema": ref(schema_name)}},
    }


def _title(name: str) -> str:
    return name.replace("_", " ").title()


def segment_param(name: str) -> dict:
    """An entity or project in the path."""
    return {
        "in": "path",
        "name": name,
        "required": True,
        "schema": {"title": _title(name), **path_segment_schema()},
    }


def id_param(name: str) -> dict:
    """An id in the path."""
    return {
        "in": "path",
        "name": name,
        "required": True,
        "schema": {"type": "string", "title": _title(name)},
    }


def query_param(name: str, schema: dict, description: str | None = None) -> dict:
    param = {"in": "query", "name": name, "required": False, "schema": schema}
    if description:
        param["description"] = description
    return param


def page_params() -> list[dict]:
    """limit and offset, as every list takes them."""
    number = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_ROWS}, {"type": "null"}]}
    return [query_param("limit", number), query_param("offset", number)]


def ids_param(name: str, what: str) -> dict:
    """The ids of a delete: repeated query keys (a JSON array body is taken too)."""
    return {
        "in": "query",
        "name": name,
        "required": True,
        "description": f"The {what} to delete, one key each; a JSON array body is accepted too",
        "schema": {"type": "array", "items": {"type": "string"}},
    }


def idempotency_key(id_name: str) -> dict:
    return {
        "in": "header",
        "name": "Idempotency-Key",
        "required": False,
        "description": (
            f"Makes a retried create safe: the same key with the same body returns the first "
            f"{id_name} and stores nothing new; with a different body, or a key that created "
            "something of another kind, 409. Scoped to the caller, kept at least 24 hours."
        ),
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    }


# Answers every authenticated /v2 route can give besides its own.
_COMMON = {
    "401": json_answer("HTTPError", "Missing or invalid credentials"),
    "403": json_answer("HTTPError", "The key's owner may not use this entity"),
    "422": json_answer("HTTPValidationError", "Validation Error"),
    "503": json_answer("HTTPError", "Database unavailable"),
}
# Answers of every route that reads a body.
BODY_ANSWERS = {
    "400": json_answer("HTTPError", "The body is not valid UTF-8"),
    "413": json_answer("HTTPError", "The body is over the size limit"),
}


def operation(
    tag: str, operation_id: str, summary: str, params: list, responses: dict, **extra
) -> dict:
    return {
        "tags": [tag],
        "summary": summary,
        "operationId": operation_id,
        "parameters": [segment_param("entity"), segment_param("project"), *params],
        "responses": {**responses, **_COMMON},
        "security": SECURITY,
        **extra,
    }


def json_body(schema_name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(schema_name)}}}


def body_schemas(model: type[BaseModel]) -> dict:
    """A body model's schema under its title, and the schemas it refers to beside it."""
    schema = model.model_json_schema(ref_template=REF)
    nested = schema.pop("$defs", {})
    return {schema["title"]: schema, **nested}


def answer_schema(title: str, properties: dict, required: list[str] | None = None) -> dict:
    """An answer's schema: every property required unless said otherwise."""
    return {
        "type": "object",
        "title": title,
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


def string(title: str, **extra) -> dict:
    return {"type": "string", "title": title, **extra}


def nullable(schema: dict, title: str) -> dict:
    return {"anyOf": [schema, {"type": "null"}], "title": title}


def moment(title: str) -> dict:
    return {"type": "string", "format": "date-time", "title": title}


def deleted(title: str) -> dict:
    """The answer of a delete."""
    return answer_schema(
        title, {"num_deleted": {"type": "integer", "minimum": 0, "title": "Num Deleted"}}
    )


def finished(title: str) -> dict:
    """The answer of a finish."""
    return answer_schema(title, {"success": {"type": "boolean", "title": "Success"}})


ERROR_SCHEMAS = {
    "HTTPError": answer_schema("HTTPError", {"detail": string("Detail")}),
    "HTTPValidationError": {
        "type": "object",
        "title": "HTTPValidationError",
        "properties": {
            "detail": {"type": "array", "title": "Detail", "items": ref("ValidationError")}
        },
    },
    "ValidationError": answer_schema(
        "ValidationError",
        {
            "loc": {
                "type": "array",
                "title": "Location",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            },
            "msg": string("Message"),
            "type": string("Error Type"),
            "input": {"title": "Input"},
            "ctx": {"type": "object", "title": "Context"},
        },
        required=["loc", "msg", "type"],
    ),
}
