"""The fields an eval results filter or sort names, and how a row's value of one is read.

`scores.<key>[.<path>]` is a leaf of the value of the trial's score whose
scorer has that key (app/services/run_summary.py scorer_key); `inputs.<path>`
a leaf of the row's inputs; `outputs.<path>` (or `output.<path>`) a leaf of
the trial's output; `row_digest` the row's digest. A bare `inputs` or
`outputs` is the whole object, for text search. A backslash escapes a dot
inside a key (`inputs.a\\.b` is the key `a.b`).
"""

import json
import math
from collections.abc import Collection
from dataclasses import dataclass

from app.services.errors import InvalidQuery

SCORE, INPUTS, OUTPUT, DIGEST = "score", "inputs", "output", "row_digest"
PREFIXES = {"scores": SCORE, "inputs": INPUTS, "outputs": OUTPUT, "output": OUTPUT}
PREFIX_HELP = (
    "scores.<scorer>[.<path>], inputs.<path>, outputs.<path> (or output.<path>), row_digest"
)
MISSING = None


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field, resolved: what it reads (SCORE, INPUTS, OUTPUT or DIGEST), and where."""

    kind: str
    key: str | None  # the scorer key of a SCORE field
    path: tuple[str, ...]
    text: str  # as written

    @property
    def leaf(self) -> str:
        """A score field's leaf as the statistics name it: the path joined by dots, or ''."""
        return ".".join(self.path)


def split_path(text: str) -> list[str]:
    """Split on the dots that no backslash escapes; unescape `\\.` and `\\\\`."""
    parts, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in ".\\":
            current.append(text[index + 1])
            index += 2
            continue
        if char == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def resolve(text: str, scorer_keys: Collection[str], loc: tuple) -> FieldRef:
    """The field `text` names; InvalidQuery (at loc) for an unknown prefix or scorer."""
    if text == DIGEST:
        return FieldRef(DIGEST, None, (), text)
    head, *rest = split_path(text)
    kind = PREFIXES.get(head)
    if kind is None:
        raise InvalidQuery(f"Unknown field '{text}': a field is one of {PREFIX_HELP}", loc, text)
    if kind != SCORE:
        return FieldRef(kind, None, tuple(rest), text)
    # The longest run of segments that is a scorer's key: keys may hold dots.
    for end in range(len(rest), 0, -1):
        key = ".".join(rest[:end])
        if key in scorer_keys:
            return FieldRef(SCORE, key, tuple(rest[end:]), text)
    named = rest[0] if rest and rest[0] else ""
    known = ", ".join(sorted(scorer_keys)) or "none"
    raise InvalidQuery(
        f"Unknown field '{text}': no scorer of the requested runs is called '{named}'"
        f" (scorers: {known})",
        loc,
        text,
    )


def walk(value, path: tuple[str, ...]):
    """The value at `path` inside nested objects, or MISSING."""
    for key in path:
        if type(value) is not dict or key not in value:
            return MISSING
        value = value[key]
    return value


# --- Casting, as the reference server casts a field for its peer literal ---------------------


def as_number(value, is_score: bool) -> float | None:
    """A number: numbers, numeric text, and a score's booleans as 1 and 0; else None."""
    kind = type(value)
    if kind is bool:
        return (1.0 if value else 0.0) if is_score else None
    if kind is int or kind is float:
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if kind is str:
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def as_text(value, is_score: bool) -> str | None:
    """Text: strings as they are, numbers as JSON writes them, a score's booleans as 1 and 0."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        if is_score:
            return "1" if value else "0"
        return "true" if value else "false"
    if kind is int or kind is float:
        return json.dumps(value)
    return None


def as_json_text(value) -> str | None:
    """Any value as text to search in: strings as they are, the rest as compact JSON."""
    if value is None:
        return None
    if type(value) is str:
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_TRUE_TEXT = {"true": True, "1": True, "false": False, "0": False}


def as_bool(value) -> bool | None:
    """A boolean: booleans, the numbers 1 and 0, and the texts true, false, 1 and 0."""
    kind = type(value)
    if kind is bool:
        return value
    if kind is int or kind is float:
        return True if value == 1 else False if value == 0 else None
    if kind is str:
        return _TRUE_TEXT.get(value.strip().lower())
    return None
