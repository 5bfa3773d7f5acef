"""The rules of a score, shared by the JSON API and the admin form.

A pydantic v2 model, the library FastAPI uses, so the error types and
messages match the reference server by construction. The few deliberate
differences (depth, surrogates, NUL in ids, non-finite numbers) are added
here as pydantic errors too, so every caller reports them the same way.
"""

import math
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from app.field_schemas import schema_problems

MAX_VALUE_DEPTH = 64
ID_MAX_LENGTH = 256
SCORER_MAX_LENGTH = 1024
# Weave refs to an evaluation or a model: as long as a scorer's.
REF_MAX_LENGTH = SCORER_MAX_LENGTH
PATH_SEGMENT_MAX_LENGTH = 128
COMMENT_MAX_LENGTH = 2000
DISPLAY_NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000
FIELD_ORDER = ("prediction_id", "scorer", "value", "evaluation_run_id")
# Characters an entity or project name may not hold: C0 controls, DEL, and the
# path separator (a name is one segment of every URL that carries it).
_SEGMENT_FORBIDDEN = "\x00-\x1f\x7f/"
_SEGMENT_BREAKER = re.compile(f"[{_SEGMENT_FORBIDDEN}]")


# Valid UTF-8 cannot carry surrogates; only a "\ud800" escape can.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


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


Identifier = Annotated[
    str,
    Field(min_length=1, max_length=ID_MAX_LENGTH),
    AfterValidator(_check_identifier),
]
Scorer = Annotated[
    str,
    Field(min_length=1, max_length=SCORER_MAX_LENGTH),
    AfterValidator(_check_identifier),
]


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


_SCORER = TypeAdapter(Scorer)
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


class ScoreCreate(BaseModel):
    """Body of a score create: the schema of the vendor's ScoreCreateBody."""

    model_config = ConfigDict(extra="ignore", title="ScoreCreateBody")

    prediction_id: Identifier = Field(description="The prediction ID")
    scorer: Scorer = Field(description="The scorer reference (weave:// URI)")
    value: Annotated[Any, AfterValidator(check_value)] = Field(
        description="The raw output of the scorer"
    )
    evaluation_run_id: Identifier | None = Field(
        default=None,
        description="Optional evaluation run ID to link this score as a child call",
    )


class ScoreRulesError(Exception):
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


def validate_score(data: Any) -> ScoreCreate:
    """Validate a parsed body; raise ScoreRulesError with every problem at once."""
    if not isinstance(data, dict):
        raise ScoreRulesError([_not_an_object(data)])
    try:
        score = ScoreCreate.model_validate(data)
    except ValidationError as exc:
        errors = [_plain(error) for error in exc.errors(include_url=False)]
        raise ScoreRulesError(errors + _unknown_field_errors(data)) from None
    unknown = _unknown_field_errors(data)
    if unknown:
        raise ScoreRulesError(unknown)
    return score


def _not_an_object(data: Any) -> dict:
    return {
        "type": "model_attributes_type",
        "loc": (),
        "msg": "Input should be a valid dictionary or object to extract fields from",
        "input": data,
    }


def _unknown_field_errors(data: dict) -> list[dict]:
    """Unknown fields are ignored, but a surrogate anywhere in the body is refused."""
    errors = []
    for key, item in data.items():
        if key in FIELD_ORDER:
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


# --- A hand score's comment -----------------------------------------------------------------

# Text people type: any characters but NUL (no database column holds it) and
# unpaired surrogates (not UTF-8), up to a length.
Comment = Annotated[str, Field(max_length=COMMENT_MAX_LENGTH), AfterValidator(_check_identifier)]
_COMMENT = TypeAdapter(Comment)


def validate_comment(text: str | None) -> str | None:
    """The comment to store with a hand score (None when blank); ScoreRulesError otherwise."""
    if text is None or not text.strip():
        return None
    try:
        return _COMMENT.validate_python(text)
    except ValidationError as exc:
        raise ScoreRulesError(
            [{**_plain(error), "loc": ("comment",)} for error in exc.errors(include_url=False)]
        ) from None


# --- A scorer config ------------------------------------------------------------------------


class ScorerConfigCreate(BaseModel):
    """Body of a scorer-config create: what a scorer's values look like (SCORER_CONFIGS.md)."""

    model_config = ConfigDict(extra="ignore", title="ScorerConfigCreateBody")

    scorer: Scorer = Field(description="The scorer, exactly as its scores name it")
    field_schema: Annotated[Any, AfterValidator(check_value)] = Field(
        description="The JSON Schema of a value, in the subset the README describes"
    )
    display_name: (
        Annotated[str, Field(max_length=DISPLAY_NAME_MAX_LENGTH), AfterValidator(_check_identifier)]
        | None
    ) = None
    description: (
        Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH), AfterValidator(_check_identifier)]
        | None
    ) = None
    direction: Literal["higher", "lower"] | None = Field(
        default=None, description="Which way is better, or null"
    )


def validate_scorer_config(data: Any) -> ScorerConfigCreate:
    """Validate a parsed config body, its schema included; ScoreRulesError with every problem.

    Errors of the schema go down to the keyword at fault: loc ("field_schema", ...).
    """
    if not isinstance(data, dict):
        raise ScoreRulesError([_not_an_object(data)])
    try:
        config = ScorerConfigCreate.model_validate(data)
    except ValidationError as exc:
        raise ScoreRulesError([_plain(error) for error in exc.errors(include_url=False)]) from None
    problems = [
        {
            "type": problem.type,
            "loc": ("field_schema", *problem.path),
            "msg": problem.msg,
            "input": problem.input,
            **({"ctx": problem.ctx} if problem.ctx else {}),
        }
        for problem in schema_problems(config.field_schema)
    ]
    if problems:
        raise ScoreRulesError(problems)
    for name in ("display_name", "description"):
        if not (getattr(config, name) or "").strip():
            setattr(config, name, None)
    return config
