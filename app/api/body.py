"""Reading a request body the way the reference FastAPI server does."""

import json
import re
from collections.abc import Callable
from email.message import Message
from functools import lru_cache
from typing import Any, TypeVar

from flask import request
from werkzeug.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge

from app import jsonbody
from app.validation import MAX_VALUE_DEPTH, RulesError

Fields = TypeVar("Fields")


class BodyError(Exception):
    """The body cannot be parsed; `errors` are pydantic-shaped, locs without 'body'."""

    def __init__(self, errors: list[dict]):
        super().__init__("invalid body")
        self.errors = errors


class RefusedBody(Exception):
    """The body is missing or breaks the rules; errors are FastAPI-shaped, under 'body'."""

    def __init__(self, errors: list[dict]):
        super().__init__("refused body")
        self.errors = errors


def validated_body(validate: Callable[[Any], Fields]) -> Fields:
    """The body, parsed and judged by `validate` (which raises RulesError).

    Raises RefusedBody, or 400/413 as read_json_body does.
    """
    try:
        body = read_json_body()
        if is_empty(body):
            raise RefusedBody([{**missing_body_error(), "loc": ["body"]}])
        return validate(body)
    except (BodyError, RulesError) as exc:
        raise RefusedBody(with_body_prefix(exc.errors)) from None


_NO_BODY = object()


@lru_cache(maxsize=64)
def _declares_json(content_type: str | None) -> bool:
    # FastAPI parses a body with no Content-Type, or an application/json or
    # application/*+json one; any other type reaches validation as text.
    if not content_type:
        return True
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def declared_length(environ: dict) -> int | None:
    """The body's Content-Length when it is a plain number and the body is not chunked.

    None for anything else; werkzeug then reads the body its own, more
    general way. Stricter than werkzeug's parse, never looser.
    """
    length = environ.get("CONTENT_LENGTH")
    if length is None or "HTTP_TRANSFER_ENCODING" in environ:
        return None
    return int(length) if length.isascii() and length.isdigit() else None


def _read_raw() -> bytes:
    environ = request.environ
    length = declared_length(environ)
    limit = request.max_content_length
    if length is not None and (limit is None or length <= limit):
        # The common case, read straight from the server's stream: werkzeug's
        # limited stream costs more than parsing the body
        # (bench/README.md#where-a-create-spends-its-cpu).
        raw = environ["wsgi.input"].read(length)
        if len(raw) < length:
            raise ClientDisconnected()  # werkzeug's answer to a short body: 400
        return raw
    raw = request.get_data(cache=False)
    if limit is not None and len(raw) >= limit and environ["wsgi.input"].read(1):
        # A chunked body has no Content-Length to refuse up front, and the
        # limited stream quietly stops at the limit: a byte beyond it, read
        # from the server's own stream, means the body is over the limit.
        raise RequestEntityTooLarge()
    return raw


def read_json_body() -> Any:
    """The parsed body, or _NO_BODY when empty.

    Raises BodyError for invalid JSON, BadRequest (400) for bytes that are not
    UTF-8 or fewer than declared and for an integer too long to convert (the
    reference FastAPI server's answer to both), and RequestEntityTooLarge
    (413) past the configured limit.
    """
    raw = _read_raw()
    if not raw:
        return _NO_BODY
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest() from None
    if not _declares_json(request.environ.get("CONTENT_TYPE")):
        return text
    try:
        return jsonbody.loads(text)
    except json.JSONDecodeError as exc:
        raise BodyError(
            [
                {
                    "type": "json_invalid",
                    "loc": (exc.pos,),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": exc.msg},
                }
            ]
        ) from None
    except jsonbody.TooDeep:
        raise BodyError([_too_deep(text)]) from None
    except jsonbody.NumberTooLong:
        raise BadRequest() from None


# A JSON string, or one of the characters that nest or end a key.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[][{}:]')


def _deep_field(text: str) -> tuple:
    """The loc of the top-level field whose value nests deeper than allowed: (name,), or ()."""
    depth, last_string, field = 0, None, None
    for token in _TOKEN.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > MAX_VALUE_DEPTH + 1:
                return () if field is None or not text.lstrip().startswith("{") else (field,)
        elif mark in "]}":
            depth -= 1
        elif mark == ":":
            if depth == 1 and last_string is not None:
                field = json.loads(last_string)
        else:
            last_string = mark if depth == 1 else None
    return ()


def _too_deep(text: str) -> dict:
    # Nesting this deep is past what the parser follows: the field it is in
    # says where, as the rules' own depth error would.
    loc = _deep_field(text)
    return {
        "type": "json_too_deep",
        "loc": loc,
        "msg": f"Value should be nested at most {MAX_VALUE_DEPTH} levels deep",
        "input": None,
        "ctx": {"max_depth": MAX_VALUE_DEPTH},
    }


def missing_body_error() -> dict:
    return {"type": "missing", "loc": (), "msg": "Field required", "input": None}


def is_empty(body: Any) -> bool:
    return body is _NO_BODY


def with_body_prefix(errors: list[dict]) -> list[dict]:
    """Prefix each error's loc with 'body', as FastAPI reports body errors."""
    return [{**error, "loc": ["body", *error["loc"]]} for error in errors]
