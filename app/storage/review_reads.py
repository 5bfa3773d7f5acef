"""What the review pages read: a run's rows a page at a time, the scores given to
predictions, a scorer's values, and the project's deletion count.

Every query walks an index that starts with the project (app/models/), so a
page costs the same in a project of a thousand scores or a million.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    EvaluationRun,
    Prediction,
    ProjectChange,
    RunPredictionCount,
    Score,
)
from app.storage import fold_reads
from app.storage.score_rows import could_be_stored
from app.storage.transactions import request_connection

# Keeps each statement under every database's parameter limit.
CHUNK = 500
# How much of a prediction's inputs and output, or a score's value, a row shows.
PREVIEW_CHARS = 2000
# How many of a run's scores one step of run_scored_predictions reads.
SCAN_STEP = 1000


def _in_project(model, entity: str, project: str) -> tuple:
    return (model.entity == entity, model.project == project)


def _chunks(ids: Iterable[str]):
    usable = [value for value in dict.fromkeys(ids) if could_be_stored(value)]
    for start in range(0, len(usable), CHUNK):
        yield usable[start : start + CHUNK]


def run_row(entity: str, project: str, run_id: str) -> EvaluationRun | None:
    """The created run with this id, or None."""
    if not could_be_stored(run_id):
        return None
    return db.session.get(EvaluationRun, (entity, project, run_id))


def prediction_row(entity: str, project: str, prediction_id: str) -> Prediction | None:
    """The stored prediction with this id, or None."""
    if not could_be_stored(prediction_id):
        return None
    return db.session.get(Prediction, (entity, project, prediction_id))


def project_deletions(entity: str, project: str) -> int:
    """How many deletions the project has seen (a write of past ids counts as one too)."""
    query = select(ProjectChange.deletions).where(*_in_project(ProjectChange, entity, project))
    return request_connection().execute(query).scalar() or 0


@dataclass
class PredictionPreview:
    """A prediction as a row of a run shows it: the start of its inputs and output."""

    id: str
    evaluation_run_id: str | None
    model: str
    inputs_text: str  # at most PREVIEW_CHARS characters of the inputs' JSON
    inputs_length: int
    output_text: str
    output_length: int
    row_digest: str
    created_at: datetime


_PREVIEW = (
    Prediction.id,
    Prediction.evaluation_run_id,
    Prediction.model,
    func.substr(Prediction.inputs_json, 1, PREVIEW_CHARS),
    func.length(Prediction.inputs_json),
    func.substr(Prediction.output_json, 1, PREVIEW_CHARS),
    func.length(Prediction.output_json),
    Prediction.row_digest,
    Prediction.created_at,
)


def run_predictions(
    entity: str,
    project: str,
    run_id: str,
    size: int,
    after: str | None = None,
    before: str | None = None,
) -> list[PredictionPreview]:
    """Up to `size` of the run's predictions in id order, after (or before) a prediction id."""
    if not could_be_stored(run_id):
        return []
    query = select(*_PREVIEW).where(
        *_in_project(Prediction, entity, project), Prediction.evaluation_run_id == run_id
    )
    if before is not None:
        query = query.where(Prediction.id < before).order_by(Prediction.id.desc())
    else:
        if after is not None:
            query = query.where(Prediction.id > after)
        query = query.order_by(Prediction.id)
    rows = [PredictionPreview(*row) for row in db.session.execute(query.limit(size))]
    return rows[::-1] if before is not None else rows


def previews(entity: str, project: str, ids: Sequence[str]) -> dict[str, PredictionPreview]:
    """The stored predictions among these ids, by id."""
    found: dict[str, PredictionPreview] = {}
    for chunk in _chunks(ids):
        query = select(*_PREVIEW).where(
            *_in_project(Prediction, entity, project), Prediction.id.in_(chunk)
        )
        for row in db.session.execute(query):
            found[row[0]] = PredictionPreview(*row)
    return found


def run_scored_predictions(
    entity: str, project: str, run_id: str, size: int, after: str | None = None
) -> tuple[list[tuple[str, str]], bool]:
    """The prediction ids a run's scores name, each with the id of its first score in the
    run, in that order: up to `size` whose first score comes after the score id `after`.

    Returns them and whether more follow. The run's scores are read in id order
    (on the run's index) only as far as the page needs.
    """
    if not could_be_stored(run_id):
        return [], False
    in_run = (*_in_project(Score, entity, project), Score.evaluation_run_id == run_id)
    found: dict[str, str] = {}
    cursor = after
    while len(found) <= size:
        query = select(Score.id, Score.prediction_id).where(*in_run)
        if cursor is not None:
            query = query.where(Score.id > cursor)
        step = db.session.execute(query.order_by(Score.id).limit(SCAN_STEP)).all()
        fresh: dict[str, str] = {}
        for score_id, prediction_id in step:
            if prediction_id not in found and prediction_id not in fresh:
                fresh[prediction_id] = score_id
        if after is not None and fresh:
            # A prediction scored before the page began was on an earlier page.
            earlier = set(
                db.session.scalars(
                    select(Score.prediction_id)
                    .where(*in_run, Score.prediction_id.in_(list(fresh)), Score.id <= after)
                    .distinct()
                )
            )
            fresh = {key: value for key, value in fresh.items() if key not in earlier}
        found.update(fresh)
        if len(step) < SCAN_STEP:
            break
        cursor = step[-1][0]
    ordered = list(found.items())
    return ordered[:size], len(ordered) > size


@dataclass
class ScoreLine:
    """One score as the review pages show it: its value cut to a preview."""

    id: str
    prediction_id: str
    scorer: str
    value_text: str  # at most PREVIEW_CHARS characters of the value's JSON
    value_length: int
    evaluation_run_id: str | None
    created_by: str
    source: str
    created_at: datetime


_SCORE_LINE = (
    Score.id,
    Score.prediction_id,
    Score.scorer,
    func.substr(Score.value_json, 1, PREVIEW_CHARS),
    func.length(Score.value_json),
    Score.evaluation_run_id,
    Score.created_by,
    Score.source,
    Score.created_at,
)


def scores_of_predictions(
    entity: str, project: str, prediction_ids: Sequence[str]
) -> list[ScoreLine]:
    """Every score given to these predictions, oldest first (on the prediction index)."""
    lines: list[ScoreLine] = []
    for chunk in _chunks(prediction_ids):
        query = select(*_SCORE_LINE).where(
            *_in_project(Score, entity, project), Score.prediction_id.in_(chunk)
        )
        lines.extend(ScoreLine(*row) for row in db.session.execute(query))
    lines.sort(key=lambda line: line.id)
    return lines


def predictions_in_runs(
    entity: str, project: str, row_digest: str, limit: int
) -> list[PredictionPreview]:
    """Up to `limit` predictions of one dataset row, in any run, oldest first."""
    query = (
        select(*_PREVIEW)
        .where(*_in_project(Prediction, entity, project), Prediction.row_digest == row_digest)
        .order_by(Prediction.id)
        .limit(limit)
    )
    return [PredictionPreview(*row) for row in db.session.execute(query)]


def scope_values(
    entity: str, project: str, run_key: str | None, scorer_digests: Sequence[str] | None = None
) -> Sequence[tuple[str, str, int]]:
    """(scorer_digest, value_json, how many scores have it) of the scores in one run ('' for
    none) or, with None, in the whole project; only of these scorers, when given.

    Equal values are counted in the database: labels, booleans and ratings repeat, so a
    run's tens of thousands of scores come back as a few thousand rows. Grouped by the
    value first, so that the run's index, not the scorers' order, drives the read.
    """
    query = select(Score.scorer_digest, Score.value_json, func.count()).where(
        *_in_project(Score, entity, project)
    )
    if run_key == "":
        query = query.where(Score.evaluation_run_id.is_(None))
    elif run_key is not None:
        query = query.where(Score.evaluation_run_id == run_key)
    if scorer_digests is not None:
        query = query.where(Score.scorer_digest.in_(list(scorer_digests)))
    query = query.group_by(Score.value_json, Score.scorer_digest)
    return [(digest, value, count) for digest, value, count in request_connection().execute(query)]


def stat_scorers(entity: str, project: str) -> list[str]:
    """Every scorer the project's statistics count (in any run)."""
    return fold_reads.scorers(request_connection(), entity, project)


def run_totals(entity: str, project: str, run_id: str) -> tuple[EvaluationRun | None, int]:
    """A run's created row (or None) and how many predictions name it."""
    if not could_be_stored(run_id):
        return None, 0
    count = (
        request_connection()
        .execute(
            select(RunPredictionCount.predictions).where(
                *_in_project(RunPredictionCount, entity, project),
                RunPredictionCount.run_key == run_id,
            )
        )
        .scalar()
    )
    return run_row(entity, project, run_id), count or 0
