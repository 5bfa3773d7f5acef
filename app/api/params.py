"""Query parameters of the list and delete routes, validated by pydantic like FastAPI's."""

from collections.abc import Callable
from typing import TypeVar, get_origin

from flask import Response, request
from pydantic import BaseModel, Field, ValidationError
from werkzeug.datastructures import MultiDict

from app.api.body import BodyError, is_empty, read_json_body, with_body_prefix
from app.api.responses import json_response, validation_error
from app.validation import MAX_ROWS, surrogate_error


class ListQuery(BaseModel):
    """A list of scores or of predictions: one run's, or all, a page at a time."""

    evaluation_run_id: str | None = None
    limit: int | None = Field(default=None, ge=0, le=MAX_ROWS)
    offset: int | None = Field(default=None, ge=0, le=MAX_ROWS)


class RunListQuery(BaseModel):
    """A list of runs: each filter a repeated key, any of whose values matches."""

    evaluation_run_ids: list[str] = []
    evaluations: list[str] = []
    models: list[str] = []
    limit: int | None = Field(default=None, ge=0, le=MAX_ROWS)
    offset: int | None = Field(default=None, ge=0, le=MAX_ROWS)


Query = TypeVar("Query", bound=BaseModel)


class QueryError(Exception):
    """The request's parameters are refused; errors are FastAPI-shaped, locs prefixed."""

    def __init__(self, errors: list[dict]):
        super().__init__("invalid query")
        self.errors = errors


def parse_list_query(args: MultiDict, model: type[Query]) -> Query:
    """Validate a list query; raise QueryError with 'query'-prefixed locs."""
    # A list takes every value of a repeated key; anything else only the first, as in FastAPI.
    data = {
        name: args.getlist(name) if get_origin(field.annotation) is list else args.get(name)
        for name, field in model.model_fields.items()
        if name in args
    }
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise QueryError([{**error, "loc": ["query", *error["loc"]]} for error in errors]) from None


def _ids_to_delete(name: str) -> list[str]:
    """The ids of a delete: repeated ?name=… (what the SDK sends), or a JSON array body.

    Raises QueryError when the body is not a list of strings, or there are no ids at all.
    """
    ids = request.args.getlist(name)
    if not ids:
        try:
            ids = _ids_from_body()
        except BodyError as exc:
            raise QueryError(with_body_prefix(exc.errors)) from None
    if not ids:
        raise QueryError(
            [{"type": "missing", "loc": ["query", name], "msg": "Field required", "input": None}]
        )
    return ids


def delete_answer(name: str, delete: Callable[[list[str]], int]) -> Response:
    """A delete route's answer: `delete` run on the request's ids. 200 {num_deleted}; 422."""
    try:
        ids = _ids_to_delete(name)
    except QueryError as exc:
        return validation_error(exc.errors)
    return json_response({"num_deleted": delete(ids)})


def _ids_from_body() -> list[str]:
    body = read_json_body()
    if is_empty(body):
        return []
    if not isinstance(body, list):
        raise BodyError(
            [{"type": "list_type", "loc": (), "msg": "Input should be a valid list", "input": body}]
        )
    errors = [error for index, item in enumerate(body) if (error := _id_error(index, item))]
    if errors:
        raise BodyError(errors)
    return body


def _id_error(index: int, item) -> dict | None:
    if not isinstance(item, str):
        message = "Input should be a valid string"
        return {"type": "string_type", "loc": (index,), "msg": message, "input": item}
    # A surrogate can be neither stored nor compared: refused as in a create.
    error = surrogate_error(item)
    return None if error is None else {**error, "loc": (index,)}
