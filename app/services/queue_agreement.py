"""Agreement on a queue, per scorer field: between reviewers (percent agreement, Cohen's
kappa for two, Krippendorff's alpha for any number) and between the reviewers' consensus
(majority for labels and booleans, mean for numbers) and a judge scorer; and the items
they disagree on most. The statistics come from services/agreement.py."""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from app import storage
from app.field_leaves import read_fields
from app.services import agreement, scorer_configs
from app.services.agreement import INTERVAL, Agreement
from app.services.review_queues import Queue

WHOLE = ""  # the field name of a scorer whose value is not an object
MAX_LISTED = 100


@dataclass
class Disagreement:
    """One item the reviewers (or their consensus and the judge) disagree on."""

    item_id: int
    prediction_id: str
    values: dict[str, Any]  # reviewer: value
    consensus: Any
    judge: Any
    spread: float  # 0 when all agree; 1 - agreeing pairs / pairs, or max - min for numbers
    hidden: bool = False  # a blind queue's item the viewer may still review


@dataclass
class FieldAgreement:
    scorer: str
    field_name: str  # WHOLE for a scorer whose value is not an object
    reviewers: list[str]
    between_reviewers: Agreement
    with_judge: Agreement | None = None
    judged_items: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    disagreeing: int = 0

    @property
    def name(self) -> str:
        return f"{self.scorer}.{self.field_name}" if self.field_name else self.scorer


def queue_fields(queue: Queue) -> list[tuple[str, str]]:
    """(scorer, field) of every field the queue's forms ask, in the configs' order."""
    found = []
    for scorer in queue.scorers:
        config = scorer_configs.latest_config(queue.entity, queue.project, scorer)
        fields = read_fields(scorer_configs.schema_of(config)) if config else None
        found += [(scorer, item.name) for item in fields] if fields else [(scorer, WHOLE)]
    return found


def _part(value: Any, name: str) -> Any:
    if not name:
        return value
    return value.get(name) if isinstance(value, dict) else None


def consensus(values: Sequence[Any], level: str) -> Any:
    """The mean of numbers; the label most reviewers gave (None on a tie)."""
    present = [value for value in values if value is not None]
    if not present:
        return None
    if level == INTERVAL:
        return sum(present) / len(present)
    labels = [_category(value) for value in present]
    if len(set(labels)) == 1:  # the usual case: everyone agrees
        return present[0]
    ranked = Counter(labels).most_common(2)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return present[labels.index(ranked[0][0])]


def spread(values: Sequence[Any], level: str) -> float:
    present = [value for value in values if value is not None]
    if len(present) < 2:
        return 0.0
    if level == INTERVAL:
        return float(max(present) - min(present))
    labels = [_category(value) for value in present]
    if len(set(labels)) == 1:
        return 0.0
    pairs = list(combinations(labels, 2))
    return 1 - sum(first == second for first, second in pairs) / len(pairs)


def _category(value: Any) -> Any:
    """A value as a hashable label: True and 1 stay apart, objects compare by content."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return (type(value) is bool, value)


def judge_fields(queue: Queue, judge: str) -> list[str]:
    """The fields of a judge scorer's values: its config's, else those its values have."""
    config = scorer_configs.latest_config(queue.entity, queue.project, judge)
    fields = read_fields(scorer_configs.schema_of(config)) if config else None
    if fields:
        return [item.name for item in fields]
    names: dict[str, None] = {}
    for value_json in storage.judge_values(
        queue.entity, queue.project, queue.id, judge, limit=200
    ).values():
        value = json.loads(value_json)
        names.update(dict.fromkeys(value) if isinstance(value, dict) else {WHOLE: None})
    return list(names)


def judge_choices(queue: Queue) -> list[str]:
    """The scorers of the scores on the queue's predictions: any may be the judge."""
    return storage.scorers_on_queue(queue.entity, queue.project, queue.id)


def queue_agreement(
    queue: Queue, viewer: str, judge: str = "", judge_field: str = WHOLE
) -> list[FieldAgreement]:
    """Agreement on each of the queue's fields; against the judge's field when one is given.

    In a blind queue an item's values are hidden from a viewer who may still review it."""
    rows = storage.answer_values(queue.entity, queue.project, queue.id)
    judged = {}
    if judge:
        judged = {
            prediction_id: _part(json.loads(value_json), judge_field)
            for prediction_id, value_json in storage.judge_values(
                queue.entity, queue.project, queue.id, judge
            ).items()
        }
    reviewers = sorted({row[3] for row in rows})
    answered_by_viewer = {row[0] for row in rows if row[3] == viewer}
    values = [json.loads(row[5]) for row in rows]
    results = []
    for scorer, name in queue_fields(queue):
        items: dict[int, dict] = {}
        for (item_id, prediction_id, done, reviewer, row_scorer, _), value in zip(
            rows, values, strict=True
        ):
            if row_scorer != scorer:
                continue
            entry = items.setdefault(
                item_id, {"prediction_id": prediction_id, "done": done, "by": {}}
            )
            entry["by"][reviewer] = _part(value, name)
        results.append(_field(queue, scorer, name, reviewers, items, judged, answered_by_viewer))
    return results


def _field(queue, scorer, name, reviewers, items, judged, answered_by_viewer) -> FieldAgreement:
    """One field's statistics and its disagreements, most first."""
    units = [[entry["by"].get(reviewer) for reviewer in reviewers] for entry in items.values()]
    level = agreement.level_of([value for unit in units for value in unit])
    result = FieldAgreement(scorer, name, reviewers, agreement.agreement(units, level))
    pairs = []
    listed = []
    for item_id, entry in items.items():
        values = list(entry["by"].values())
        judge_value = _comparable(judged.get(entry["prediction_id"]), level) if judged else None
        # The consensus of every item only when a judge needs it; else of those listed.
        agreed = consensus(values, level) if judge_value is not None else None
        if agreed is not None:
            pairs.append([agreed, judge_value])
        apart = spread(values, level)
        judge_apart = agreed is not None and _differs(agreed, judge_value, level)
        if apart > 0 or judge_apart:
            hidden = queue.blind and not entry["done"] and item_id not in answered_by_viewer
            listed.append(
                Disagreement(
                    item_id, entry["prediction_id"], entry["by"], agreed, judge_value, apart, hidden
                )
            )
    if pairs:
        result.with_judge = agreement.agreement(pairs, level)
        result.judged_items = len(pairs)
    listed.sort(key=lambda d: (-d.spread, d.judge is None or d.consensus == d.judge, d.item_id))
    result.disagreeing = len(listed)
    result.disagreements = listed[:MAX_LISTED]
    for shown in result.disagreements:
        if shown.consensus is None:
            shown.consensus = consensus(list(shown.values.values()), level)
    return result


def _comparable(value: Any, level: str) -> Any:
    """The judge's value if it can be set beside the reviewers' (a number beside numbers,
    a label beside labels); None otherwise."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if value is None or is_number != (level == INTERVAL):
        return None
    return value


def _differs(first: Any, second: Any, level: str) -> bool:
    if level == INTERVAL and isinstance(second, int | float) and not isinstance(second, bool):
        return abs(first - second) > 1e-9
    return _category(first) != _category(second)
