"""The hand-scoring form's widgets, built from a scorer's config, and the value they post.

A boolean is two buttons (keys t and f), a scale of a few points numbered
buttons (digits), a wider range a slider over a number box, labels chips
(digits pick the n-th), text a text box; an object's fields come one under
another. What a widget posts is read back into a value that the config's
own check judges, so the form shows the API's messages: text a widget
cannot read as its type goes through as typed ("maybe" for a boolean) and
gets the schema's own message.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from app import jsonbody
from app.field_leaves import BOOLEAN, LABELS, NUMBER, TEXT, Leaf, read_fields, read_leaf

VALUE = "value"
# Numbered buttons up to this many points; a wider scale is a slider.
MAX_BUTTONS = 11
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
MISSING = object()


@dataclass
class Option:
    """One button of a widget: the text it posts, what it shows, and its key."""

    value: str
    label: str
    key: str | None


@dataclass
class Widget:
    """One answer of the form: a field of the value, or the value itself."""

    name: str  # the form field it posts: "value", or "value.<field>"
    id: str
    label: str
    leaf: Leaf
    required: bool
    kind: str  # "choice" (buttons or chips), "slider", "number" or "text"
    options: list[Option] = field(default_factory=list)
    current: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def hint(self) -> str | None:
        """What the widget takes, in a few words, after the config's own description."""
        leaf = self.leaf
        if leaf.kind == NUMBER and self.kind != "choice":
            parts = []
            if leaf.minimum is not None:
                parts.append(f"from {_shown(leaf.minimum)}")
            if leaf.maximum is not None:
                parts.append(f"to {_shown(leaf.maximum)}")
            if leaf.step is not None:
                parts.append(f"in steps of {_shown(leaf.step)}")
            elif leaf.integer:
                parts.append("whole numbers")
            shown = " ".join(parts)
        elif leaf.kind == TEXT and leaf.max_length is not None:
            shown = f"Up to {leaf.max_length} characters."
        else:
            shown = ""
        return " ".join(part for part in (leaf.description, shown) if part) or None


def _shown(number: int | float) -> str:
    return json.dumps(number)


def _choice_options(leaf: Leaf) -> list[Option] | None:
    """The buttons of a boolean, a short scale or labels; None for other widgets."""
    if leaf.kind == BOOLEAN:
        return [Option("true", "true", "t"), Option("false", "false", "f")]
    if leaf.kind == LABELS:
        return [Option(label, label, _nth_key(n)) for n, label in enumerate(leaf.labels)]
    points = leaf.points if leaf.kind == NUMBER else None
    if not points or len(points) > MAX_BUTTONS:
        return None
    # A digit picks the point of that value when every point is one (0-9); else the n-th.
    by_value = all(isinstance(point, int) and 0 <= point <= 9 for point in points)
    return [
        Option(_shown(point), _shown(point), str(point) if by_value else _nth_key(n))
        for n, point in enumerate(points)
    ]


def _nth_key(index: int) -> str | None:
    """1 to 9 for the first nine, 0 for the tenth, none after."""
    return str((index + 1) % 10) if index < 10 else None


def _widget(name: str, html_id: str, label: str, leaf: Leaf, required: bool) -> Widget:
    options = _choice_options(leaf)
    if options is not None:
        kind = "choice"
    elif leaf.kind == NUMBER:
        kind = "slider" if leaf.minimum is not None and leaf.maximum is not None else "number"
    else:
        kind = "text"
    return Widget(name, html_id, label, leaf, required, kind, options or [])


def widgets_for(schema: dict) -> list[Widget]:
    """The widgets of a config's schema, in its order."""
    fields = read_fields(schema)
    if fields is None:
        leaf = read_leaf(schema)
        return [_widget(VALUE, VALUE, leaf.title or "Value", leaf, True)]
    return [
        _widget(
            f"{VALUE}.{item.name}",
            f"value-{index}",
            item.leaf.title or item.name,
            item.leaf,
            item.required,
        )
        for index, item in enumerate(fields)
    ]


def _read(leaf: Leaf, text: str) -> Any:
    """The value a widget's text means, MISSING when empty, the text itself when unreadable."""
    if text == "" or (leaf.kind != TEXT and not text.strip()):
        return MISSING
    if leaf.kind == BOOLEAN and text in ("true", "false"):
        return text == "true"
    if leaf.kind == NUMBER and _NUMBER.fullmatch(text.strip()):
        return jsonbody.loads(text.strip())
    return text


def read_value(schema: dict, widgets: list[Widget], form: MultiDict) -> Any:
    """The value the widgets posted (MISSING for an unanswered scalar); fills each
    widget's current text so the form can be shown again."""
    for widget in widgets:
        widget.current = form.get(widget.name, "")
    if read_fields(schema) is None:
        (widget,) = widgets
        return _read(widget.leaf, widget.current)
    value = {}
    for widget in widgets:
        read = _read(widget.leaf, widget.current)
        if read is not MISSING:
            value[widget.name.removeprefix(f"{VALUE}.")] = read
    return value


def place_errors(widgets: list[Widget], errors: list[dict]) -> list[str]:
    """Put each value error beside the widget its loc names; return those of the whole value."""
    by_name = {widget.name: widget for widget in widgets}
    whole: list[str] = []
    for error in errors:
        loc = [str(part) for part in error["loc"]]
        name = ".".join(loc[:2]) if len(loc) > 1 else VALUE
        target = by_name.get(name)
        if target is None:
            whole.append(error["msg"])
        else:
            target.errors.append(error["msg"])
    return whole
