"""JSON values as short lines to read at a glance, for the rows of runs and predictions.

An object is one line per key ("passed: ✓ true", "reasoning: ..."), strings
without their quotes, each value classed by its JSON type for colour; any
other value, or one stored too long to have been read whole, is one line.
Built in Python rather than in a macro: a run's page shows hundreds.
"""

import json

from markupsafe import Markup, escape

from app.admin import bp
from app.admin.converters import encode_id
from app.admin.templating import preview


def _plain(value, limit: int) -> tuple[str, str]:
    """The value as text, and its kind: its JSON type, 'true' or 'false' for booleans."""
    kind = type(value)
    if kind is str:
        line, name = value, "string"
    else:
        line = json.dumps(value, ensure_ascii=False)
        if kind is bool:
            name = line
        elif value is None:
            name = "null"
        elif kind is dict or kind is list:
            name = "object" if kind is dict else "array"
        else:
            name = "number"
    return (line if len(line) <= limit else line[:limit] + "…"), name


def json_lines(text: str, full_length: int, limit: int = 400) -> list[tuple[str | None, str, str]]:
    """(key or None, text, kind) per line of a JSON value's text (cut short or whole)."""
    if full_length > len(text):
        return [(None, preview(text, full_length, limit), "cut")]
    value = json.loads(text)
    if type(value) is dict and value:
        return [(key, *_plain(item, limit)) for key, item in value.items()]
    return [(None, *_plain(value, limit))]


@bp.app_template_filter("value_lines")
def value_lines(text: str, full_length: int, limit: int = 400) -> Markup:
    """The lines as HTML: a div of paragraphs, each key and value in its span."""
    parts = ['<div class="json-lines">']
    for key, line, kind in json_lines(text, full_length, limit):
        parts.append("<p>")
        if key is not None:
            parts.append(f'<span class="json-key">{escape(key)}:</span> ')
        parts.append(f'<span class="jv-{kind}">{escape(line)}</span></p>')
    parts.append("</div>")
    # Safe: every key and value went through escape(); kind is one of our own words.
    return Markup("".join(parts))


@bp.app_template_filter("id_path")
def id_path(value: str) -> str:
    """A run or prediction id as the end of a path (converters.encode_id)."""
    return encode_id(value)
