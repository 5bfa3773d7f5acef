"""From the config form to the shared rules and back: the form builds a schema of the subset
from a kind and its options (or takes a raw one), validation.validate_scorer_config judges it,
and its messages go back beside the options they concern."""

import json
import re

from app import jsonbody
from app.admin.forms import ScorerConfigForm
from app.field_leaves import (
    BOOLEAN,
    LABELS,
    NUMBER,
    TEXT,
    Field,
    Leaf,
    leaf_schema,
    object_schema,
    read_fields,
    read_leaf,
)
from app.models import ScorerConfig
from app.validation import (
    MAX_VALUE_DEPTH,
    ScorerConfigCreate,
    ScoreRulesError,
    validate_scorer_config,
)

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# Which option box a keyword of a leaf's schema comes from.
_OPTION_OF = {
    "minimum": "minimum",
    "maximum": "maximum",
    "multipleOf": "step",
    "enum": "labels",
    "maxLength": "max_length",
}
BLANK_ROWS = 1


class ConfigInputError(Exception):
    """Messages per form field, by the field's name in the form ("leaf-minimum", "rows-0-name")."""

    def __init__(self, messages: dict[str, list[str]]):
        super().__init__("invalid config form")
        self.messages = messages


def _number(text: str, name: str, messages: dict) -> int | float | None:
    text = text.strip()
    if not text:
        return None
    if not _NUMBER.fullmatch(text):
        messages[name] = ["Input should be a valid number"]
        return None
    return jsonbody.loads(text)


def _length(text: str, name: str, messages: dict) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        messages[name] = ["Input should be a valid integer"]
        return None
    return int(text)


def _leaf(kind: str, options, prefix: str, messages: dict) -> Leaf:
    """The leaf a kind and its option boxes describe (prefix: the boxes' names' start)."""
    if kind == BOOLEAN:
        return Leaf(BOOLEAN)
    if kind == LABELS:
        lines = [line.strip() for line in (options.labels.data or "").splitlines()]
        return Leaf(LABELS, labels=tuple(line for line in lines if line))
    if kind == NUMBER:
        step = _number(options.step.data or "", f"{prefix}step", messages)
        return Leaf(
            NUMBER,
            # A whole step makes whole numbers: a 1-5 scale is an integer.
            integer=isinstance(step, int),
            minimum=_number(options.minimum.data or "", f"{prefix}minimum", messages),
            maximum=_number(options.maximum.data or "", f"{prefix}maximum", messages),
            step=step,
        )
    return Leaf(
        TEXT, max_length=_length(options.max_length.data or "", f"{prefix}max_length", messages)
    )


def _schema(form: ScorerConfigForm, messages: dict):
    """The schema the form describes (None when its JSON box cannot be read)."""
    if form.shape.data == "json":
        try:
            return jsonbody.loads(form.schema_json.data or "")
        except json.JSONDecodeError as exc:
            messages["schema_json"] = [
                f"JSON decode error: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ]
        except jsonbody.TooDeep:
            messages["schema_json"] = [
                f"Value should be nested at most {MAX_VALUE_DEPTH} levels deep"
            ]
        return None
    if form.shape.data != "object":
        return leaf_schema(_leaf(form.shape.data, form.leaf.form, "leaf-", messages))
    fields = [
        Field(
            row.form.name.data.strip(),
            _leaf(row.form.kind.data, row.form, f"{row.name}-", messages),
            row.form.required.data,
        )
        for row in form.rows
        if (row.form.name.data or "").strip()
    ]
    return object_schema(fields)


def read_config_form(form: ScorerConfigForm) -> ScorerConfigCreate:
    """The config the form describes, checked by the shared rules; ConfigInputError otherwise."""
    messages: dict[str, list[str]] = {}
    body = {
        "scorer": form.scorer.data or "",
        "display_name": form.display_name.data or None,
        "description": form.description.data or None,
        "direction": form.direction.data or None,
        "field_schema": _schema(form, messages),
    }
    if "schema_json" in messages:
        del body["field_schema"]
    try:
        config = validate_scorer_config(body)
    except ScoreRulesError as exc:
        for error in exc.errors:
            if error["loc"][:1] == ("field_schema",) and "schema_json" in messages:
                continue
            messages.setdefault(_form_field(form, error["loc"]), []).append(error["msg"])
    if messages:
        raise ConfigInputError(messages)
    return config


def _form_field(form: ScorerConfigForm, loc) -> str:
    """The form field an error's loc concerns."""
    head = str(loc[0]) if loc else "scorer"
    if head != "field_schema":
        return head
    if form.shape.data == "json":
        return "schema_json"
    rest = list(loc[1:])
    if form.shape.data != "object":
        option = _OPTION_OF.get(rest[0]) if rest else None
        return f"leaf-{option}" if option else "shape"
    if len(rest) >= 2 and rest[0] == "properties":
        for row in form.rows:
            if (row.form.name.data or "").strip() == rest[1]:
                option = _OPTION_OF.get(rest[2]) if len(rest) > 2 else None
                return f"{row.name}-{option or 'name'}"
    return "rows"


def place_messages(form: ScorerConfigForm, messages: dict[str, list[str]]) -> list[str]:
    """Give each field its messages; return those no field shows."""
    # Only plain fields: a group's errors (FormField, FieldList) are its members' own.
    by_name = {field.name: field for field in form if field.type not in ("FormField", "FieldList")}
    for sub in form.leaf:
        by_name[sub.name] = sub
    for row in form.rows:
        for sub in row.form:
            by_name[sub.name] = sub
    unplaced = []
    for name, found in messages.items():
        field = by_name.get(name)
        if field is None:
            unplaced.extend(found)
        else:
            field.errors = list(field.errors or []) + found
    return unplaced


# --- A stored config as the form shows it -----------------------------------------------------


def _options(leaf: Leaf) -> dict:
    def shown(number) -> str:
        return "" if number is None else json.dumps(number)

    step = leaf.step if leaf.step is not None else (1 if leaf.integer else None)
    return {
        "kind": leaf.kind,
        "minimum": shown(leaf.minimum),
        "maximum": shown(leaf.maximum),
        "step": shown(step),
        "labels": "\n".join(leaf.labels),
        "max_length": "" if leaf.max_length is None else str(leaf.max_length),
    }


def form_data(config: ScorerConfig | None, scorer: str = "") -> dict:
    """The form's data for a config (a new one for the scorer when None).

    A schema the kinds cannot say exactly as it is (annotations, say) opens in
    the JSON Schema box, so saving unchanged keeps it.
    """
    if config is None:
        return {"scorer": scorer, "shape": "number", "rows": [{}] * 3}
    schema = json.loads(config.field_schema_json)
    data: dict = {
        "scorer": config.scorer,
        "display_name": config.display_name or "",
        "description": config.description or "",
        "direction": config.direction or "",
        "schema_json": json.dumps(schema, indent=2, ensure_ascii=False),
        "rows": [{}] * 3,
    }
    fields = read_fields(schema)
    if fields is None:
        leaf = read_leaf(schema)
        rebuilt = leaf_schema(leaf)
        data.update(shape=leaf.kind, leaf=_options(leaf))
    else:
        rebuilt = object_schema(fields)
        rows = [{**_options(f.leaf), "name": f.name, "required": f.required} for f in fields]
        data.update(shape="object", rows=rows + [{}] * BLANK_ROWS)
    if rebuilt != schema:
        data["shape"] = "json"
    return data


def describe(schema: dict) -> str:
    """A config's shape in a few words, for lists."""
    fields = read_fields(schema)
    if fields is None:
        return describe_leaf(read_leaf(schema))
    return "; ".join(f"{f.name}: {describe_leaf(f.leaf)}" for f in fields)


def describe_leaf(leaf: Leaf) -> str:
    """One answer's kind in a few words: "true / false", "1 to 5", "labels a, b, c"."""
    if leaf.kind == BOOLEAN:
        return "true / false"
    if leaf.kind == LABELS:
        return "one of " + ", ".join(leaf.labels)
    if leaf.kind == NUMBER:
        points = leaf.points
        if points and len(points) <= 11:
            return " / ".join(json.dumps(point) for point in points)
        low = "any" if leaf.minimum is None else json.dumps(leaf.minimum)
        high = "any" if leaf.maximum is None else json.dumps(leaf.maximum)
        kind = "whole number" if leaf.integer else "number"
        return f"{kind} from {low} to {high}"
    return "text" if leaf.max_length is None else f"text up to {leaf.max_length} characters"
