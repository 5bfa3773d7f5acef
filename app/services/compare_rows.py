"""The Compare page's rows: each run's first trial of a row, its output and its scores'
leaves, marked against the baseline's (flipped booleans, moved numbers)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

from app.services import directions
from app.services.eval_rows import Row, Trial

MAX_LEAF_DEPTH = 8
PREVIEW = 160


@dataclass
class LeafValue:
    name: str
    text: str
    kind: str  # boolean, number, string, null, other
    mark: str | None = None  # flipped, moved
    verdict: str | None = None


@dataclass
class RowCell:
    """One run's answer for a row: its first trial (and how many more), output and scores."""

    trial: Trial
    more: int
    output: str
    leaves: list[LeafValue]


@dataclass
class RowView:
    digest: str
    inputs: str
    cells: list[RowCell | None]


def _preview(value) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= PREVIEW else text[:PREVIEW] + "…"


def _flatten(name: str, value, found: dict, depth: int = 0) -> None:
    if type(value) is dict and value and depth < MAX_LEAF_DEPTH:
        for key in sorted(value):
            _flatten(f"{name}.{key}", value[key], found, depth + 1)
        return
    found[name] = value


def _leaf_kind(value) -> str:
    if value is None:
        return "null"
    if type(value) is bool:
        return "boolean"
    if type(value) in (int, float):
        return "number"
    return "string" if type(value) is str else "other"


def _trial_leaves(trial: Trial) -> dict:
    found: dict = {}
    for key in sorted(trial.scores):
        _flatten(key, trial.value(key), found)
    return found


def row_view(row: Row, run_ids: Sequence[str], direction_of: dict[str, str]) -> RowView:
    """A row lined up: each run's first trial, its output, and its leaves, marked."""
    first = [row.trials.get(run_id, [None])[0] for run_id in run_ids]
    values = [None if trial is None else _trial_leaves(trial) for trial in first]
    base = values[0] or {}
    cells: list[RowCell | None] = []
    for index, trial in enumerate(first):
        if trial is None:
            cells.append(None)
            continue
        leaves = []
        for name, value in (values[index] or {}).items():
            text = _preview(json.dumps(value, ensure_ascii=False))
            leaf = LeafValue(name, text, _leaf_kind(value))
            if index > 0 and name in base:
                _mark(leaf, base[name], value, direction_of.get(name, directions.NONE))
            leaves.append(leaf)
        more = len(row.trials[run_ids[index]]) - 1
        cells.append(RowCell(trial, more, _preview(trial.output), leaves))
    inputs = "" if row.inputs is None else _preview(row.inputs)
    return RowView(row.digest, inputs, cells)


def _mark(leaf: LeafValue, before, after, direction: str) -> None:
    """Mark a candidate's leaf against the baseline's: a flipped boolean, a moved number."""
    if type(before) is bool and type(after) is bool:
        if before != after:
            leaf.mark = "flipped"
            leaf.verdict = directions.verdict(float(after) - float(before), direction)
        return
    numeric = (int, float)
    if type(before) in numeric and type(after) in numeric and before != after:
        leaf.mark = "moved"
        leaf.verdict = directions.verdict(after - before, direction)
