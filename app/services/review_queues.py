"""Review queues: create, change and delete them (their creator or an admin), add a project's
predictions in bulk and remove them, and how far the reviewers are."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app import storage
from app.models._time import utcnow
from app.services import scorer_configs
from app.services.errors import DomainError, Forbidden, NotFound
from app.validation import ReviewQueueSettings, RulesError

NOT_FOUND = "Review queue not found"
NO_CONFIG = "No active scorer config for this scorer in the project"


@dataclass(frozen=True)
class Queue:
    """A queue as the pages show it."""

    id: int
    entity: str
    project: str
    name: str
    scorers: list[str]
    reviewers_per_item: int
    blind: bool
    created_by: str
    created_at: datetime
    items: int = 0
    done_items: int = 0

    def may_change(self, user) -> bool:
        """Only the queue's creator or an admin changes or deletes it."""
        return bool(user.is_admin or user.username == self.created_by)


def _queue(row, items: int = 0, done_items: int = 0) -> Queue:
    return Queue(
        row.id,
        row.entity,
        row.project,
        row.name,
        json.loads(row.scorers_json),
        row.reviewers_per_item,
        row.blind,
        row.created_by,
        row.created_at,
        items,
        done_items,
    )


def _check_configs(entity: str, project: str, settings: ReviewQueueSettings) -> None:
    """Each scorer needs an active config in the project: it makes the review form."""
    errors = [
        {"type": "value_error", "loc": ("scorers", index), "msg": NO_CONFIG, "input": scorer}
        for index, scorer in enumerate(settings.scorers)
        if scorer_configs.active_config(entity, project, scorer) is None
    ]
    if errors:
        raise RulesError(errors)


def create_queue(entity: str, project: str, settings: ReviewQueueSettings, author: str) -> int:
    """Store a new queue with validated settings; return its id. RulesError when a scorer
    has no config in the project."""
    _check_configs(entity, project, settings)
    return storage.insert_queue(
        {
            "entity": entity,
            "project": project,
            "name": settings.name,
            "scorers_json": json.dumps(settings.scorers),
            "reviewers_per_item": settings.reviewers_per_item,
            "blind": settings.blind,
            "created_by": author,
            "created_at": utcnow(),
        }
    )


def get_queue(entity: str, project: str, queue_id: int) -> Queue:
    """The project's queue with this id, with its counts; NotFound otherwise."""
    row = storage.read_queue(entity, project, queue_id)
    if row is None:
        raise NotFound(NOT_FOUND, "queue")
    items, done, _reviewers = storage.queue_progress(queue_id)
    return _queue(row, items, done)


def list_queues(entity: str, project: str) -> list[Queue]:
    """The project's queues, newest first, with their counts."""
    return [
        _queue(row, row.item_count, row.done_count) for row in storage.list_queues(entity, project)
    ]


def _require_change(queue: Queue, user) -> None:
    if not queue.may_change(user):
        raise Forbidden("Only the queue's creator or an admin may change it", "queue")


def change_queue(queue: Queue, settings: ReviewQueueSettings, user) -> None:
    """Change a queue's settings (creator or admin: Forbidden otherwise)."""
    _require_change(queue, user)
    _check_configs(queue.entity, queue.project, settings)
    storage.update_queue(
        queue.id,
        {
            "name": settings.name,
            "scorers_json": json.dumps(settings.scorers),
            "reviewers_per_item": settings.reviewers_per_item,
            "blind": settings.blind,
        },
    )


def delete_queue(queue: Queue, user) -> None:
    """Delete a queue, its items and answers; the scores given stay (creator or admin)."""
    _require_change(queue, user)
    storage.delete_queue(queue.id)


def add_predictions(queue: Queue, prediction_ids: Sequence[str]) -> int:
    """Add predictions of the queue's project to it, each once; return how many are new.
    Refuses the lot, adding none, when any id is not a prediction of the project."""
    if not prediction_ids:
        raise DomainError("No predictions to add", "prediction_ids")
    missing = storage.missing_predictions(queue.entity, queue.project, prediction_ids)
    if missing:
        raise DomainError(
            f"{len(missing)} of these are not predictions of this project "
            f"(first: {missing[0]}); none were added",
            "prediction_ids",
        )
    return storage.add_items(queue.entity, queue.project, queue.id, prediction_ids, utcnow())


def add_stored_predictions(queue: Queue, prediction_ids: Sequence[str]) -> tuple[int, int]:
    """Add a view's predictions: those stored in the project, each once. Returns (added, not
    stored); a score can name a prediction never stored, which has nothing to review."""
    if not prediction_ids:
        raise DomainError("No predictions to add", "prediction_ids")
    missing = set(storage.missing_predictions(queue.entity, queue.project, prediction_ids))
    stored = [prediction_id for prediction_id in prediction_ids if prediction_id not in missing]
    added = storage.add_items(queue.entity, queue.project, queue.id, stored, utcnow())
    return added, len(missing)


def remove_items(queue: Queue, item_ids: Sequence[int]) -> int:
    """Remove items from the queue; their scores stay. Returns how many went."""
    return storage.remove_items(queue.id, item_ids)


@dataclass(frozen=True)
class ReviewerProgress:
    reviewer: str
    answered: int
    skipped: int


@dataclass(frozen=True)
class Progress:
    """Items, items with all their reviews, and each reviewer's answers and skips."""

    items: int
    done: int
    reviewers: list[ReviewerProgress]


def progress(queue: Queue) -> Progress:
    """How far the queue is, overall and per reviewer."""
    items, done, reviewers = storage.queue_progress(queue.id)
    return Progress(items, done, [ReviewerProgress(*row) for row in reviewers])


@dataclass(frozen=True)
class Item:
    id: int
    prediction_id: str
    round: int
    reviews_done: int
    done: bool


def items(queue: Queue, limit: int = 100, after: int = 0) -> list[Item]:
    """A page of the queue's items in the order they were added."""
    return [Item(*row) for row in storage.queue_items(queue.id, limit, after)]


def send_back(queue: Queue, item_ids: Sequence[int]) -> int:
    """Start another round of reviews of the items; every reviewer may answer them again."""
    return storage.send_back(queue.id, item_ids)
