"""What people type by hand: a hand score's comment, and a scorer's config."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from app.field_schemas import schema_problems
from app.validation.rules import (
    COMMENT_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    Reference,
    ScoreRulesError,
    _check_identifier,
    _not_an_object,
    _plain,
    check_value,
)

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

    scorer: Reference = Field(description="The scorer, exactly as its scores name it")
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
