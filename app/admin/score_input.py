"""From the add-score form to the shared rules: same checks, same messages as the API."""

import json
from dataclasses import dataclass

from app import jsonbody
from app.validation import (
    MAX_VALUE_DEPTH,
    ScoreCreate,
    ScoreRulesError,
    path_segment_errors,
    validate_comment,
    validate_score,
)


@dataclass
class ScoreInput:
    """A score the rules accepted, with where it goes."""

    entity: str
    project: str
    fields: ScoreCreate
    comment: str | None = None


class ScoreInputError(Exception):
    """Messages per form field."""

    def __init__(self, messages: dict[str, list[str]]):
        super().__init__("invalid score form")
        self.messages = messages


def segment_errors(text: str) -> list[str]:
    """What is wrong with an entity or project name: the messages the API gives."""
    return [error["msg"] for error in path_segment_errors(text)]


_MISSING = object()


def parse_value(kind: str, text: str):
    """The JSON value the text means for its kind; ValueError carries the message."""
    if kind == "text":
        return text
    if kind == "boolean":
        if text.strip().lower() in ("true", "false"):
            return text.strip().lower() == "true"
        raise ValueError("Input should be a valid boolean")
    if not text.strip():
        return _MISSING
    try:
        value = jsonbody.loads(text)
    except json.JSONDecodeError as exc:
        if kind == "number":
            raise ValueError("Input should be a valid number") from None
        raise ValueError(
            f"JSON decode error: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except jsonbody.TooDeep:
        raise ValueError(f"Value should be nested at most {MAX_VALUE_DEPTH} levels deep") from None
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ValueError("Input should be a valid number")
    return value


def read_score_form(form: dict, may_use) -> ScoreInput:
    """Check the form's fields; raise ScoreInputError with every message at once."""
    messages: dict[str, list[str]] = {}
    entity, project = form.get("entity", ""), form.get("project", "")
    for name, text in (("entity", entity), ("project", project)):
        if errors := segment_errors(text):
            messages[name] = errors
    if "entity" not in messages and not may_use(entity):
        messages["entity"] = [f"Not allowed to access entity '{entity}'"]
    body = {"prediction_id": form.get("prediction_id", ""), "scorer": form.get("scorer", "")}
    try:
        value = parse_value(form.get("value_type", "json"), form.get("value", ""))
    except ValueError as exc:
        messages["value"] = [str(exc)]
        value = None
    if value is not _MISSING:
        body["value"] = value
    if form.get("evaluation_run_id"):
        body["evaluation_run_id"] = form["evaluation_run_id"]
    comment = None
    try:
        comment = validate_comment(form.get("comment"))
    except ScoreRulesError as exc:
        messages.update(exc.by_field())
    try:
        fields = validate_score(body)
    except ScoreRulesError as exc:
        for name, found in exc.by_field().items():
            messages.setdefault(name, found)
        raise ScoreInputError(messages) from None
    if messages:
        raise ScoreInputError(messages)
    return ScoreInput(entity, project, fields, comment)
