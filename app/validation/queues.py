"""A review queue's settings: its name, the scorers it asks for, how many reviewers each item
needs and whether review is blind. The form and any future API share these rules."""

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from app.validation.rules import Reference, RulesError, _check_identifier, _not_an_object, _plain

QUEUE_NAME_MAX_LENGTH = 200
MIN_REVIEWERS, MAX_REVIEWERS = 1, 5
MAX_QUEUE_SCORERS = 10


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("Name cannot be blank")
    return text.strip()


class ReviewQueueSettings(BaseModel):
    """What a queue is: a name, the scorers to answer, reviewers per item, blind or not."""

    model_config = ConfigDict(extra="ignore")

    name: Annotated[
        str,
        Field(min_length=1, max_length=QUEUE_NAME_MAX_LENGTH),
        AfterValidator(_check_identifier),
        AfterValidator(_not_blank),
    ]
    scorers: list[Reference] = Field(min_length=1, max_length=MAX_QUEUE_SCORERS)
    reviewers_per_item: int = Field(ge=MIN_REVIEWERS, le=MAX_REVIEWERS)
    blind: bool = False


def validate_review_queue(data: Any) -> ReviewQueueSettings:
    """Validate a queue's settings; RulesError with every problem, locs by field."""
    if not isinstance(data, dict):
        raise RulesError([_not_an_object(data)])
    try:
        settings = ReviewQueueSettings.model_validate(data)
    except ValidationError as exc:
        raise RulesError([_plain(error) for error in exc.errors(include_url=False)]) from None
    settings.scorers = list(dict.fromkeys(settings.scorers))
    return settings
