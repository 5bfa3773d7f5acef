"""The rules every body shares: ids, names, refs, values that round-trip exactly, and the
FastAPI-shaped errors they give.

pydantic v2, the library FastAPI uses, so the error types and messages match
the reference server by construction. The few deliberate differences (depth,
surrogates, NUL in ids, non-finite numbers) are added as pydantic errors
too, so every caller reports them the same way.
"""

import math
import re
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

MAX_VALUE_DEPTH = 64
ID_MAX_LENGTH = 256
SCORER_MAX_LENGTH = 1024
# Weave refs to an evaluation or a model: as long as a scorer's.
REF_MAX_LENGTH = SCORER_MAX_LENGTH
PATH_SEGMENT_MAX_LENGTH = 128
# Databases take 64-bit integers; a larger limit or offset is refused, not a 500.
MAX_ROWS = 2**63 - 1
COMMENT_MAX_LENGTH = 2000
DISPLAY_NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000
# Characters an entity or project name may not hold: C0 controls, DEL, and the
# path separator (a name is one segment of every URL that carries it).
_SEGMENT_FORBIDDEN = "\x00-\x1f\x7f/"
_SEGMENT_BREAKER = re.compile(f"[{_SEGMENT_FORBIDDEN}]")


# Valid UTF-8 cannot carry surrogates; only a "\ud800" escape can.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def surrogate_error(text: str) -> dict | None:
    """The pydantic-shaped error (without a loc) for a string holding an unpaired surrogate."""
    if not _has_surrogate(text):
        return None
    message = "String should not contain unpaired UTF-16 surrogates"
    return {"type": "string_unpaired_surrogate", "msg": message, "input": text}


def _check_identifier(text: str) -> str:
    if "\x00" in text:
        raise PydanticCustomError(
            "string_null_character", "String should not contain the NUL character"
        )
    if _has_surrogate(text):
        raise _surrogate_error()
    return text


def _surrogate_error() -> PydanticCustomError:
    return PydanticCustomError(
        "string_unpaired_surrogate", "String should not contain unpaired UTF-16 surrogates"
    )


def _too_deep_error() -> PydanticCustomError:
    return PydanticCustomError(
        "json_too_deep",
        "Value should be nested at most {max_depth} levels deep",
        {"max_depth": MAX_VALUE_DEPTH},
    )


def check_value(value: Any) -> Any:
    """Refuse values that cannot be stored and returned exactly."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _has_surrogate(item):
                raise _surrogate_error()
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise PydanticCustomError("finite_number", "Input should be a finite number")
        elif isinstance(item, dict | list):
            if depth >= MAX_VALUE_DEPTH:
                raise _too_deep_error()
            if isinstance(item, dict):
                for key, child in item.items():
                    if _has_surrogate(key):
                        raise _surrogate_error()
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
    return value


def check_identifier(text: str) -> str:
    """Refuse NUL and unpaired surrogates in an id or name (a pydantic AfterValidator)."""
    return _check_identifier(text)


Identifier = Annotated[
    str,
    Field(min_length=1, max_length=ID_MAX_LENGTH),
    AfterValidator(_check_identifier),
]
# A scorer, an evaluation or a model: normally a weave:/// ref, but any name will do.
Reference = Annotated[
    str,
    Field(min_length=1, max_length=REF_MAX_LENGTH),
    AfterValidator(_check_identifier),
]
# Any JSON value that can be stored and returned exactly; JsonObject, an object one.
JsonValue = Annotated[Any, AfterValidator(check_value)]
JsonObject = Annotated[dict[str, Any], AfterValidator(check_value)]


def _check_segment(text: str) -> str:
    found = _SEGMENT_BREAKER.search(text)
    if found is None:
        return text
    if found.group() == "/":
        raise PydanticCustomError("string_slash", "String should not contain '/'")
    raise PydanticCustomError(
        "string_control_character", "String should not contain control characters"
    )


# An entity or project name: one segment of a URL path, in the API, the forms,
# the OpenAPI document and the tables' columns alike.
PathSegment = Annotated[
    str,
    Field(
        min_length=1,
        max_length=PATH_SEGMENT_MAX_LENGTH,
        json_schema_extra={"pattern": f"^[^{_SEGMENT_FORBIDDEN}]+$"},
    ),
    AfterValidator(_check_segment),
]
_PATH_SEGMENT = TypeAdapter(PathSegment)


def path_segment_errors(text: str) -> list[dict]:
    """What is wrong with an entity or project name, as pydantic errors without a loc."""
    try:
        _PATH_SEGMENT.validate_python(text)
    except ValidationError as exc:
        return [_plain(error) for error in exc.errors(include_url=False)]
    return []


_SCORER = TypeAdapter(Reference)
_IDENTIFIER = TypeAdapter(Identifier)


def _errors_of(adapter: TypeAdapter, text: str) -> list[dict]:
    try:
        adapter.validate_python(text)
    except ValidationError as exc:
        return [_plain(error) for error in exc.errors(include_url=False)]
    return []


def scorer_errors(text: str) -> list[dict]:
    """What is wrong with a scorer named outside a body (a query, a form), without a loc."""
    return _errors_of(_SCORER, text)


def identifier_errors(text: str) -> list[dict]:
    """What is wrong with a prediction or run id named outside a body, without a loc."""
    return _errors_of(_IDENTIFIER, text)


def path_segment_schema() -> dict:
    """The JSON Schema of a name, for the OpenAPI document."""
    return _PATH_SEGMENT.json_schema()


class RulesError(Exception):
    """A body broke the rules; errors are FastAPI-shaped, locs without the 'body' prefix."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} validation error(s)")
        self.errors = errors

    def by_field(self) -> dict[str, list[str]]:
        """Messages keyed by field name, for showing beside form fields."""
        messages: dict[str, list[str]] = {}
        for error in self.errors:
            field = str(error["loc"][0]) if error["loc"] else ""
            messages.setdefault(field, []).append(error["msg"])
        return messages


# The name the score form knows the error by.
ScoreRulesError = RulesError
Body = TypeVar("Body", bound=BaseModel)


def validate(rules: type[Body], data: Any) -> Body:
    """Validate a parsed body by a model's rules; raise RulesError with every problem at once."""
    if not isinstance(data, dict):
        raise RulesError([_not_an_object(data)])
    try:
        fields = rules.model_validate(data)
    except ValidationError as exc:
        errors = [_plain(error) for error in exc.errors(include_url=False)]
        raise RulesError(errors + _unknown_field_errors(rules, data)) from None
    unknown = _unknown_field_errors(rules, data)
    if unknown:
        raise RulesError(unknown)
    return fields


def _not_an_object(data: Any) -> dict:
    return {
        "type": "model_attributes_type",
        "loc": (),
        "msg": "Input should be a valid dictionary or object to extract fields from",
        "input": data,
    }


def _unknown_field_errors(rules: type[BaseModel], data: dict) -> list[dict]:
    """Unknown fields are ignored, but a surrogate anywhere in the body is refused."""
    errors = []
    known = rules.model_fields
    for key, item in data.items():
        if key in known:
            continue
        try:
            if _has_surrogate(key):
                raise _surrogate_error()
            check_value(item)
        except PydanticCustomError as exc:
            if exc.type != "string_unpaired_surrogate":
                continue
            errors.append({"type": exc.type, "loc": (key,), "msg": exc.message(), "input": item})
    return errors


def _plain(error: Any) -> dict:
    """A pydantic error as a plain dict, ctx values made JSON-safe as FastAPI does."""
    plain = {"type": error["type"], "loc": error["loc"], "msg": error["msg"]}
    # A number that overflowed to infinity has no JSON form to echo back.
    plain["input"] = None if error["type"] == "finite_number" else error.get("input")
    if "ctx" in error:
        plain["ctx"] = {
            key: value if isinstance(value, int | float | str | bool) else str(value)
            for key, value in error["ctx"].items()
        }
    return plain
