"""Agreement on a queue, per scorer field: between reviewers (percent agreement, Cohen's
kappa for two, Krippendorff's alpha for any number) and between the reviewers' consensus
(majority for labels and booleans, mean for numbers) and a judge scorer; and the items
they disagree on most. The statistics come from services/agreement.py."""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app import storage
from app.field_leaves import read_fields
from app.services import collector, scorer_configs
from app.services.agreement import INTERVAL, Agreement, category
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
    labels = [category(value) for value in present]
    if len(set(labels)) == 1:  # the usual case: everyone agrees
        return present[0]
    ranked = Counter(labels).most_common(2)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return present[labels.index(ranked[0][0])]


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
    from app.services import field_agreement  # numpy: loaded on the first agreement page

    # Tens of thousands of answer rows, each a few objects: see services/collector.py.
    with collector.paused():
        rows = storage.answer_values(queue.entity, queue.project, queue.id)
        judged = {}
        if judge:
            stored = storage.judge_values(queue.entity, queue.project, queue.id, judge)
            # One parse of all the values: a JSON array of them costs less than a call each.
            parsed = json.loads("[" + ",".join(stored.values()) + "]")
            judged = {
                prediction_id: _part(value, judge_field)
                for prediction_id, value in zip(stored, parsed, strict=True)
            }
        answers = field_agreement.read_answers(rows)
        return [
            field_agreement.field_agreement(queue, scorer, name, answers, judged, viewer)
            for scorer, name in queue_fields(queue)
        ]
