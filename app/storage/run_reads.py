"""What reviewing runs reads: a project's runs, their statistics, and their rows side by side.

A run is any run id that a created run, a prediction or a score names. A
row of a run is a prediction of it (a trial), lined up across runs by its
row digest; scores attach to their prediction. Scores that name a run but
whose prediction was never stored are rows of their own.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, select

from app.extensions import db
from app.models import EvaluationRun, Prediction, RunPredictionCount, Score, ScoreStat
from app.score_values import ROOT_PATH
from app.storage import score_stats
from app.storage.score_rows import could_be_stored
from app.storage.transactions import request_connection

# Keeps each statement under every database's parameter limit.
CHUNK = 500


def _usable(ids: Iterable[str]) -> list[str]:
    return [value for value in dict.fromkeys(ids) if could_be_stored(value)]


@dataclass
class RunTotals:
    """One run of a project: the created run's row if there is one, and its counts."""

    run_id: str
    run: EvaluationRun | None
    predictions: int
    scores: int


def project_runs(entity: str, project: str) -> list[RunTotals]:
    """Every run a created run, a prediction or a score names, newest created first.

    Runs only named by scores or predictions follow, by id.
    """
    session = db.session
    created = {
        run.id: run
        for run in session.scalars(
            select(EvaluationRun).where(
                EvaluationRun.entity == entity, EvaluationRun.project == project
            )
        )
    }
    predictions = dict(
        session.execute(
            select(RunPredictionCount.run_key, RunPredictionCount.predictions).where(
                RunPredictionCount.entity == entity,
                RunPredictionCount.project == project,
                RunPredictionCount.run_key != "",
            )
        ).all()
    )
    scores: dict[str, int] = {}
    for run_key, count in session.execute(
        select(ScoreStat.run_key, ScoreStat.value_count).where(
            ScoreStat.entity == entity,
            ScoreStat.project == project,
            ScoreStat.run_key != "",
            ScoreStat.path == ROOT_PATH,
        )
    ):
        scores[run_key] = scores.get(run_key, 0) + count
    keys = set(created) | {k for k, n in predictions.items() if n} | set(scores)
    totals = [
        RunTotals(key, created.get(key), predictions.get(key, 0), scores.get(key, 0))
        for key in keys
    ]
    # Created runs newest first (their ids are time-ordered), then the rest by id.
    made = sorted((item for item in totals if item.run), key=lambda item: item.run_id)
    named = sorted((item for item in totals if not item.run), key=lambda item: item.run_id)
    return made[::-1] + named


def stats_rows(entity: str, project: str, run_keys: Sequence[str] | None = None) -> list[dict]:
    """The statistics rows of the project (of these runs only, when given), exact.

    Groups marked dirty by a deletion are counted again first.
    """
    engine = db.engine
    condition = [ScoreStat.entity == entity, ScoreStat.project == project]
    if run_keys is not None:
        condition.append(ScoreStat.run_key.in_(_usable(run_keys)))
    query = select(*ScoreStat.__table__.columns).where(*condition)
    rows = [dict(row._mapping) for row in request_connection().execute(query)]
    dirty = sorted(
        {
            (row["entity"], row["project"], row["run_key"], row["scorer_digest"], row["version"])
            for row in rows
            if row["path"] == ROOT_PATH and row["dirty"]
        }
    )
    if not dirty:
        return rows
    groups = {group[:4] for group in dirty}
    kept = [
        row for row in rows if tuple(row[name] for name in score_stats.GROUP_COLUMNS) not in groups
    ]
    for *group, version in dirty:
        kept.extend(score_stats.recount(engine, group, version))
    return kept


def group_values(
    entity: str, project: str, run_key: str, scorer_digest: str
) -> Iterable[tuple[str, str]]:
    """(scorer, value_json) of every score of one run and scorer, for distributions."""
    run = Score.evaluation_run_id.is_(None) if run_key == "" else Score.evaluation_run_id == run_key
    query = select(Score.scorer, Score.value_json).where(
        Score.entity == entity, Score.project == project, run, Score.scorer_digest == scorer_digest
    )
    return request_connection().execute(query).all()


def run_trials(entity: str, project: str, run_ids: Sequence[str]) -> Sequence[Sequence]:
    """(prediction id, run id, row digest) of every prediction of the runs, oldest first."""
    query = (
        select(Prediction.id, Prediction.evaluation_run_id, Prediction.row_digest)
        .where(Prediction.entity == entity, Prediction.project == project)
        .where(Prediction.evaluation_run_id.in_(_usable(run_ids)))
        .order_by(Prediction.id)
    )
    return request_connection().execute(query).all()


def trial_scores(
    entity: str, project: str, run_ids: Sequence[str], scorer_digests: Sequence[str] | None = None
) -> Sequence[Sequence]:
    """(prediction id, score id, scorer, value_json) of every score of the runs' predictions,
    oldest first; only of these scorers, when given."""
    in_runs = select(Prediction.id).where(
        Prediction.entity == entity,
        Prediction.project == project,
        Prediction.evaluation_run_id.in_(_usable(run_ids)),
    )
    query = (
        select(Score.prediction_id, Score.id, Score.scorer, Score.value_json)
        .where(Score.entity == entity, Score.project == project)
        .where(Score.prediction_id.in_(in_runs))
        .order_by(Score.id)
    )
    if scorer_digests is not None:
        query = query.where(Score.scorer_digest.in_(list(scorer_digests)))
    return request_connection().execute(query).all()


def orphan_scores(
    entity: str, project: str, run_ids: Sequence[str], scorer_digests: Sequence[str] | None = None
) -> Sequence[Sequence]:
    """(run id, prediction id, score id, scorer, value_json) of the scores that name the runs
    but whose prediction is not stored, oldest first; only of these scorers, when given."""
    stored = exists().where(
        Prediction.entity == Score.entity,
        Prediction.project == Score.project,
        Prediction.id == Score.prediction_id,
    )
    query = (
        select(
            Score.evaluation_run_id, Score.prediction_id, Score.id, Score.scorer, Score.value_json
        )
        .where(Score.entity == entity, Score.project == project)
        .where(Score.evaluation_run_id.in_(_usable(run_ids)), ~stored)
        .order_by(Score.id)
    )
    if scorer_digests is not None:
        query = query.where(Score.scorer_digest.in_(list(scorer_digests)))
    return request_connection().execute(query).all()


def prediction_payloads(entity: str, project: str, ids: Sequence[str]) -> dict[str, Sequence]:
    """id: (inputs_json, output_json, genai_span_ref_json) for the predictions asked for."""
    found: dict[str, Sequence] = {}
    usable = _usable(ids)
    for start in range(0, len(usable), CHUNK):
        query = select(
            Prediction.id,
            Prediction.inputs_json,
            Prediction.output_json,
            Prediction.genai_span_ref_json,
        ).where(
            Prediction.entity == entity,
            Prediction.project == project,
            Prediction.id.in_(usable[start : start + CHUNK]),
        )
        for prediction_id, *payload in request_connection().execute(query):
            found[prediction_id] = payload
    return found


def predictions_of_row(entity: str, project: str, row_digest: str) -> list[Prediction]:
    """Every prediction of one dataset row, in any run, oldest first."""
    return list(
        db.session.scalars(
            select(Prediction)
            .where(
                and_(
                    Prediction.entity == entity,
                    Prediction.project == project,
                    Prediction.row_digest == row_digest,
                )
            )
            .order_by(Prediction.id)
        )
    )
