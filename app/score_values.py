"""What a score's value is made of, for statistics: leaves, each a number, a boolean, text or other.

A value is a scorer's raw output: a scalar (`true`, `0.75`, `"positive"`) or
an object of them, nested (`{"correct": true, "detail": {"f1": 0.8}}`).
Statistics are kept per leaf, named by its path of keys (empty at the
root). Every value also counts once at the root, so a scorer's root leaf
says how many scores it gave. Lists, nulls and objects nested past
MAX_DEPTH are leaves of kind "other": counted, not summarised. A value with
more than MAX_LEAVES leaves keeps its first ones (in key order) and says
how many it skipped.

Used on every write (the statistics kept with the scores) and by every
exact recount, so both walk a value the same way.
"""

import json
import math
from functools import lru_cache
from typing import NamedTuple

MAX_DEPTH = 8
MAX_LEAVES = 64
# A leaf's path is kept as JSON text of its keys (keys may hold dots), the
# value itself as the empty text, which sorts before every other path (the
# order locks are taken in: app/storage/score_stats.py). Longer paths are skipped.
MAX_PATH_LENGTH = 512

NUMBER, BOOLEAN, TEXT, OTHER = "number", "boolean", "text", "other"
ROOT_PATH = ""


class Leaf(NamedTuple):
    """One leaf of a value: its path (JSON text of the keys), kind, number and text.

    number: the value of a number, 1.0 or 0.0 for a boolean, None otherwise.
    text: the string of a text leaf (for label counts), None otherwise.
    """

    path: str
    kind: str
    number: float | None = None
    text: str | None = None


def leaf_of(value) -> tuple[str, float | None]:
    """The kind and number of a scalar (or other) value."""
    kind = type(value)  # exact types: bool is an int, and only JSON's types occur
    if kind is bool:
        return BOOLEAN, 1.0 if value else 0.0
    if kind is int or kind is float:
        try:
            number = float(value)
        except OverflowError:  # an integer past any float: stored exactly, not summarised
            return OTHER, None
        return (NUMBER, number) if math.isfinite(number) else (OTHER, None)
    if kind is str:
        return TEXT, None
    return OTHER, None


def path_text(keys: tuple[str, ...]) -> str:
    """The stored form of a path: compact JSON of its keys, or ROOT_PATH for none."""
    if not keys:
        return ROOT_PATH
    return json.dumps(list(keys), ensure_ascii=False, separators=(",", ":"))


# Values of one scorer repeat the same keys, so each path is encoded once
# rather than on every walk (bench/README.md). Only paths short enough to keep are cached
# (its JSON is never shorter than its keys), so an entry stays small.
_cached_path_text = lru_cache(maxsize=4096)(path_text)


def _kept_path(keys: tuple[str, ...]) -> str | None:
    """path_text(keys), or None when it is longer than MAX_PATH_LENGTH."""
    if sum(map(len, keys)) > MAX_PATH_LENGTH:
        return None
    path = _cached_path_text(keys)
    return path if len(path) <= MAX_PATH_LENGTH else None


def path_keys(text: str) -> tuple[str, ...]:
    """The keys of a stored path."""
    return tuple(json.loads(text)) if text else ()


def display_path(text: str) -> str | None:
    """A path as people and the Weave API write it: keys joined by dots; None at the root."""
    keys = path_keys(text)
    return ".".join(keys) if keys else None


def leaves(value) -> tuple[list[Leaf], int]:
    """The value's leaves, the root first, and how many more were skipped."""
    if type(value) is not dict:
        kind, number = leaf_of(value)
        return [Leaf(ROOT_PATH, kind, number, value if kind == TEXT else None)], 0
    found = [Leaf(ROOT_PATH, OTHER)]
    skipped = _walk(value, (), found)
    return found, skipped


def _walk(node: dict, prefix: tuple[str, ...], found: list[Leaf]) -> int:
    """Append node's leaves in key order, depth first; return how many were skipped."""
    skipped = 0
    for key in sorted(node):
        child, keys = node[key], (*prefix, key)
        if type(child) is dict and child and len(keys) < MAX_DEPTH:
            skipped += _walk(child, keys, found)
            continue
        path = _kept_path(keys) if len(found) <= MAX_LEAVES else None
        if path is None:
            skipped += 1
            continue
        kind, number = leaf_of(child) if type(child) is not dict else (OTHER, None)
        found.append(Leaf(path, kind, number, child if kind == TEXT else None))
    return skipped


def count_leaf(tally, kind: str, number: float | None) -> None:
    """Add one leaf to a tally's counters (value, numeric and boolean counts, sum, extremes,
    text count): the statistics kept with the scores and those counted at read time alike."""
    tally.value_count += 1
    if kind == NUMBER:
        assert number is not None
        tally.numeric_count += 1
        tally.numeric_sum += number
        if tally.numeric_min is None or number < tally.numeric_min:
            tally.numeric_min = number
        if tally.numeric_max is None or number > tally.numeric_max:
            tally.numeric_max = number
    elif kind == BOOLEAN:
        tally.bool_count += 1
        tally.true_count += number == 1.0
    elif kind == TEXT:
        tally.text_count += 1
