"""Reviewing a queue: the next item a reviewer may take, held for them a few minutes; their
answer (ordinary scores, source "queue") or skip; and, in a blind queue, nobody else's
scores until they have answered."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from app import storage
from app.models._time import utcnow
from app.models.score import QUEUE_SOURCE
from app.services import scorer_values, scores
from app.services.review_queues import Queue
from app.services.scorer_values import ScorerConfigError
from app.validation import ScoreCreate

# Candidates looked at per walk: most takes succeed at the first.
CANDIDATES = 5


class AnswerRefused(Exception):
    """The answer of the queue's scorer at `index` breaks its config; errors as the API's."""

    def __init__(self, index: int, errors: list[dict]):
        super().__init__(f"{len(errors)} error(s) in answer {index}")
        self.index = index
        self.errors = errors


@dataclass(frozen=True)
class Turn:
    """An item held for a reviewer."""

    item_id: int
    prediction_id: str
    round: int


def _hold_until():
    now = utcnow()
    return now, now + timedelta(seconds=current_app.config["REVIEW_HOLD_SECONDS"])


def next_item(queue: Queue, reviewer: str) -> Turn | None:
    """Hold and return the next item that still needs a review, that the reviewer has not
    answered or skipped, and that others' holds leave room in; None when there is none.

    The walk starts after the last item the reviewer answered, then from the start."""
    now, until = _hold_until()
    place = storage.last_answered(queue.id, reviewer)
    for after in dict.fromkeys((place, 0)):
        while True:
            candidates = storage.open_items(
                queue.id, reviewer, queue.reviewers_per_item, now, after, CANDIDATES
            )
            for item_id, prediction_id, round_ in candidates:
                if storage.take_hold(item_id, reviewer, queue.reviewers_per_item, now, until):
                    return Turn(item_id, prediction_id, round_)
            if len(candidates) < CANDIDATES:
                break
            after = candidates[-1][0]
    return None


def resume(queue: Queue, item_id: int, reviewer: str) -> Turn | None:
    """The item again for the reviewer if it is still theirs to review (their hold renewed,
    or a free place taken); None when it is not."""
    row = storage.read_item(queue.id, item_id)
    if row is None:
        return None
    now, until = _hold_until()
    if not storage.take_hold(item_id, reviewer, queue.reviewers_per_item, now, until):
        return None
    return Turn(row.id, row.prediction_id, row.round)


def answered(queue: Queue, turn: Turn, reviewer: str, score_ids: list[str]) -> None:
    """Record the reviewer's answer of the item: one review more, the hold let go."""
    storage.record_answer(
        queue.id, turn.item_id, turn.round, reviewer, score_ids, queue.reviewers_per_item, utcnow()
    )


def skip(queue: Queue, turn: Turn, reviewer: str) -> None:
    """The reviewer passes on the item: it is not offered to them again this round."""
    storage.record_answer(
        queue.id, turn.item_id, turn.round, reviewer, None, queue.reviewers_per_item, utcnow()
    )


@dataclass(frozen=True)
class OtherScore:
    scorer: str
    value_json: str
    author: str
    source: str


def other_scores(queue: Queue, turn: Turn, reviewer: str) -> list[OtherScore] | None:
    """Others' scores of the queue's scorers on the item's prediction; None while a blind
    queue hides them (the reviewer has not answered the item yet)."""
    if queue.blind and not storage.has_answered(turn.item_id, reviewer):
        return None
    return [
        OtherScore(*row)
        for row in storage.prediction_scores_of(
            queue.entity, queue.project, turn.prediction_id, queue.scorers
        )
        if row[2] != reviewer
    ]


def submit(
    queue: Queue, turn: Turn, reviewer: str, answers: list[ScoreCreate], comment: str | None
) -> list[str]:
    """Store the reviewer's answer: one ordinary score per scorer (author the reviewer, source
    "queue"), through the same checks as any score, then count the review.

    Every value is checked against its config before any is stored, so a refused one
    leaves nothing half-saved; raises AnswerRefused naming the scorer at fault.
    """
    for index, fields in enumerate(answers):
        try:
            scorer_values.check_value(queue.entity, queue.project, fields.scorer, fields.value)
        except ScorerConfigError as exc:
            raise AnswerRefused(index, exc.errors) from None
    score_ids = [
        scores.create_score(
            queue.entity, queue.project, fields, reviewer, source=QUEUE_SOURCE, comment=comment
        )
        for fields in answers
    ]
    answered(queue, turn, reviewer, score_ids)
    return score_ids
