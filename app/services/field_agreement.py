"""One queue field's agreement and disagreements, from the queue's answers as numpy matrices
(services/ratings.py): each answer's value is coded once, and the per-item consensus,
spread and comparison with the judge are array operations over every item at once.
Imported by services/queue_agreement.py when a page first needs it."""

import json
from dataclasses import dataclass
from typing import Any

import numpy

from app.services import agreement, ratings
from app.services.agreement import INTERVAL
from app.services.queue_agreement import (
    MAX_LISTED,
    Disagreement,
    FieldAgreement,
    consensus,
)
from app.services.ratings import MISSING, Categories, Ratings
from app.services.review_queues import Queue


@dataclass
class Answers:
    """The queue's answer rows, with each row's item and reviewer as a number."""

    rows: list[tuple]  # (item_id, prediction_id, done, reviewer, scorer, value_json)
    values: list  # each row's value, parsed
    reviewers: list[str]  # sorted: a matrix column each
    item_of_row: numpy.ndarray
    reviewer_of_row: numpy.ndarray
    items: list[tuple]  # (item_id, prediction_id, done) by item number
    rows_of_scorer: dict[str, numpy.ndarray]


def read_answers(rows: list[tuple]) -> Answers:
    """Number the items by id and the reviewers by name: a matrix row and column each."""
    item_ids, _, _, reviewer_names, scorers, texts = zip(*rows, strict=True) if rows else [()] * 6
    _, first_rows, item_of_row = numpy.unique(
        numpy.array(item_ids, dtype=numpy.int64), return_index=True, return_inverse=True
    )
    reviewers = sorted(set(reviewer_names))
    column = {reviewer: number for number, reviewer in enumerate(reviewers)}
    scorer_of_row = numpy.array(scorers, dtype=object)
    return Answers(
        rows,
        # One parse of all the values: a JSON array of them costs less than a call per value.
        json.loads("[" + ",".join(texts) + "]"),
        reviewers,
        item_of_row.reshape(-1),
        numpy.array([column[name] for name in reviewer_names], dtype=numpy.int64),
        [rows[index][:3] for index in first_rows.tolist()],
        {scorer: numpy.nonzero(scorer_of_row == scorer)[0] for scorer in set(scorers)},
    )


def field_agreement(
    queue: Queue, scorer: str, name: str, answers: Answers, judged: dict, viewer: str
) -> FieldAgreement:
    """One field's statistics and its disagreements, most first."""
    chosen = answers.rows_of_scorer.get(scorer, numpy.zeros(0, dtype=numpy.int64))
    parts = _parts([answers.values[index] for index in chosen.tolist()], name)
    level = agreement.level_of(parts)
    item_numbers, unit_of_row = numpy.unique(answers.item_of_row[chosen], return_inverse=True)
    shape = (len(item_numbers), len(answers.reviewers))
    where = (unit_of_row, answers.reviewer_of_row[chosen])
    judge_values = [
        comparable(judged.get(answers.items[number][1]), level) if judged else None
        for number in item_numbers.tolist()
    ]
    has_judge = numpy.array([value is not None for value in judge_values], dtype=bool)
    numbers = judge_codes = None
    if level == INTERVAL:
        numbers = numpy.full(shape, numpy.nan)
        numbers[where] = numpy.array(parts, dtype=float)
        codes = ratings.number_codes(numbers)
    else:
        categories = Categories()
        raw = numpy.full(shape, MISSING, dtype=numpy.int64)
        raw[where] = categories.codes(parts)
        judge_raw = categories.codes(judge_values)
        codes = categories.sorted_codes(raw)
        judge_codes = categories.sorted_codes(judge_raw)
    matrix = Ratings(codes, numbers)
    result = FieldAgreement(scorer, name, answers.reviewers, agreement.agreement_of(matrix, level))
    spread = ratings.spreads(matrix, level)
    both, has_consensus, same, judge_apart = _against_judge(matrix, judge_values, judge_codes)
    paired = has_judge & has_consensus
    if paired.any():
        result.with_judge = agreement.agreement_of(_pair_ratings(both[paired], level), level)
        result.judged_items = int(paired.sum())
    listed = numpy.nonzero((spread > 0) | (paired & judge_apart))[0]
    result.disagreeing = len(listed)
    settled = ~has_judge[listed] | (paired[listed] & same[listed])
    item_ids = numpy.array([answers.items[n][0] for n in item_numbers[listed].tolist()])
    shown = listed[numpy.lexsort((item_ids, settled, -spread[listed]))[:MAX_LISTED]]
    result.disagreements = _disagreements(
        queue, viewer, answers, chosen, unit_of_row, parts, item_numbers, shown, level,
        spread, judge_values,
    )  # fmt: skip
    return result


def _parts(values: list, name: str) -> list:
    """Each value's field `name` (None where it has none); the values themselves if no name."""
    if not name:
        return values
    return [value.get(name) if value.__class__ is dict else None for value in values]


def _against_judge(matrix: Ratings, judge_values: list, judge_codes) -> tuple:
    """Per item: (consensus, judge) as two columns, whether there is a consensus, and
    whether it is the judge's value / differs from it."""
    if matrix.numbers is not None:
        judge_numbers = numpy.array(judge_values, dtype=float)
        both = numpy.column_stack((ratings.means(matrix.numbers), judge_numbers))
        apart = numpy.abs(both[:, 0] - both[:, 1]) > 1e-9
        return both, ~numpy.isnan(both[:, 0]), both[:, 0] == both[:, 1], apart
    both = numpy.column_stack((ratings.majority(matrix.codes), judge_codes))
    same = both[:, 0] == both[:, 1]
    return both, both[:, 0] != MISSING, same, ~same


def _pair_ratings(pairs: numpy.ndarray, level: str) -> Ratings:
    """The (consensus, judge) matrix of the items that have both, coded as ratings."""
    if level == INTERVAL:
        return Ratings(ratings.number_codes(pairs), pairs)
    return Ratings(pairs)


def _disagreements(
    queue, viewer, answers, chosen, unit_of_row, parts, item_numbers, shown, level, spread,
    judge_values,
) -> list[Disagreement]:  # fmt: skip
    """The listed items, with each reviewer's value and their consensus."""
    by_unit: dict[int, dict] = {int(unit): {} for unit in shown}
    for position in numpy.nonzero(numpy.isin(unit_of_row, shown))[0].tolist():
        reviewer = answers.rows[int(chosen[position])][3]
        by_unit[int(unit_of_row[position])][reviewer] = parts[position]
    viewer_items = {row[0] for row in answers.rows if row[3] == viewer} if queue.blind else set()
    found = []
    for unit in shown.tolist():
        item_id, prediction_id, done = answers.items[int(item_numbers[unit])]
        values = by_unit[unit]
        hidden = queue.blind and not done and item_id not in viewer_items
        found.append(
            Disagreement(
                item_id, prediction_id, values, consensus(list(values.values()), level),
                judge_values[unit], float(spread[unit]), hidden,
            )
        )  # fmt: skip
    return found


def comparable(value: Any, level: str) -> Any:
    """The judge's value if it can be set beside the reviewers' (a number beside numbers,
    a label beside labels); None otherwise."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if value is None or is_number != (level == INTERVAL):
        return None
    return value
