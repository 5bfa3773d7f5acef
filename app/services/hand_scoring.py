"""Scoring a run by hand: the prediction to show, the next one to score, and how far you are."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app import storage


@dataclass(frozen=True)
class PredictionShown:
    """What the scoring page shows of a stored prediction beside the form."""

    id: str
    model: str
    inputs_json: str
    output_json: str
    evaluation_run_id: str | None


def prediction(entity: str, project: str, prediction_id: str) -> PredictionShown | None:
    """The stored prediction with this id, or None (a score may name one never stored)."""
    row = storage.read_prediction(entity, project, prediction_id)
    if row is None:
        return None
    found_id, model, inputs_json, output_json, run_id, *_rest = row
    return PredictionShown(found_id, model, inputs_json, output_json, run_id)


def next_prediction(
    entity: str, project: str, run_id: str, scorer: str, author: str, after: str = ""
) -> str | None:
    """The next prediction of the run, oldest first, that the author has not scored with the
    scorer: the first after `after`, else (one skipped earlier) the first from the start."""
    found = storage.next_unscored(entity, project, run_id, scorer, author, after)
    if found is None and after:
        found = storage.next_unscored(entity, project, run_id, scorer, author)
        if found == after:  # only the one being shown is left
            return None
    return found


@dataclass(frozen=True)
class Progress:
    """How many of a run's predictions the author has scored with a scorer."""

    scored: int
    total: int

    @property
    def done(self) -> bool:
        return self.scored >= self.total


def progress(entity: str, project: str, run_id: str, scorer: str, author: str) -> Progress:
    """The author's progress through the run with the scorer."""
    return Progress(*storage.scoring_progress(entity, project, run_id, scorer, author))


@dataclass(frozen=True)
class EarlierScore:
    """One of your earlier scores of the same prediction and scorer."""

    id: str
    value_json: str
    created_at: datetime


def earlier_scores(
    entity: str, project: str, prediction_id: str, scorer: str, author: str
) -> Sequence[EarlierScore]:
    """Your newest scores of this prediction with this scorer (a new one adds to them)."""
    return [
        EarlierScore(score_id, value_json, created_at)
        for score_id, value_json, created_at in storage.own_scores(
            entity, project, prediction_id, scorer, author
        )
    ]
