"""What reviewing runs reads: a project's runs, their statistics, and their rows side by side.

A run is any run id that a created run, a prediction or a score names. A
row of a run is a prediction of it (a trial), lined up across runs by its
row digest; scores attach to their prediction. Scores that name a run but
whose prediction was never stored are rows of their own.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select

from app.extensions import db
from app.models import EvaluationRun, Prediction, RunPredictionCount, Score
from app.score_values import ROOT_PATH
from app.storage import fold_reads, score_folds, stale_stats, tallies
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
    scores = fold_reads.run_score_counts(session.connection(), entity, project)
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
    keys = None if run_keys is None else _usable(run_keys)
    rows, unfolded = fold_reads.stats_rows(request_connection(), entity, project, keys)
    if unfolded >= score_folds.FOLD_EVERY:
        # Left by workers that stopped short of their turn (PostgreSQL): fold them for
        # the next reader.
        score_folds.try_fold(db.engine, entity, project)
    dirty = sorted(
        {
            (row["entity"], row["project"], row["run_key"], row["scorer_digest"])
            for row in rows
            if row["path"] == ROOT_PATH and row["dirty"]
        }
    )
    if not dirty:
        return rows
    kept = [row for row in rows if tuple(row[name] for name in tallies.GROUP_COLUMNS) not in dirty]
    for group in dirty:
        kept.extend(stale_stats.recount(db.engine, group))
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


# Without ANALYZE statistics SQLite picks its plans by shape alone, and badly here: an
# ORDER BY id walks the project's whole primary key, and an IN on scorer_digest walks
# every score of the scorer. So these reads sort in Python, and test the digest through
# an expression (`|| ''`) that no index matches, leaving the prediction and run indexes.


def _oldest_first(rows: Sequence[Sequence], id_index: int) -> list[Sequence]:
    return sorted(rows, key=lambda row: row[id_index])


def _digest_in(digests: Sequence[str]):
    return (Score.scorer_digest + "").in_(list(digests))


def run_trials(entity: str, project: str, run_ids: Sequence[str]) -> Sequence[Sequence]:
    """(prediction id, run id, row digest) of every prediction of the runs, oldest first."""
    query = (
        select(Prediction.id, Prediction.evaluation_run_id, Prediction.row_digest)
        .where(Prediction.entity == entity, Prediction.project == project)
        .where(Prediction.evaluation_run_id.in_(_usable(run_ids)))
    )
    return _oldest_first(request_connection().execute(query).all(), 0)


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
    )
    if scorer_digests is not None:
        query = query.where(_digest_in(scorer_digests))
    return _oldest_first(request_connection().execute(query).all(), 1)


def orphan_scores(
    entity: str, project: str, run_ids: Sequence[str], scorer_digests: Sequence[str] | None = None
) -> Sequence[Sequence]:
    """(run id, prediction id, score id, scorer, value_json) of the scores that name the runs
    but whose prediction is not stored, oldest first; only of these scorers, when given."""
    runs = _usable(run_ids)
    connection = request_connection()
    # The runs' own predictions first (an index-only read), then the prediction ids
    # the runs' scores name: an anti-join probing every score's prediction would
    # cost three times as much on SQLite.
    stored = set(
        connection.execute(
            select(Prediction.id).where(
                Prediction.entity == entity,
                Prediction.project == project,
                Prediction.evaluation_run_id.in_(runs),
            )
        ).scalars()
    )
    named = connection.execute(
        select(Score.prediction_id).where(
            Score.entity == entity, Score.project == project, Score.evaluation_run_id.in_(runs)
        )
    ).all()
    candidates = sorted({row[0] for row in named} - stored)
    missing = _not_stored(entity, project, candidates)
    found: list[Sequence] = []
    for start in range(0, len(missing), CHUNK):
        query = (
            select(
                Score.evaluation_run_id,
                Score.prediction_id,
                Score.id,
                Score.scorer,
                Score.value_json,
            )
            .where(Score.entity == entity, Score.project == project)
            .where(Score.evaluation_run_id.in_(runs))
            .where(Score.prediction_id.in_(missing[start : start + CHUNK]))
        )
        if scorer_digests is not None:
            query = query.where(_digest_in(scorer_digests))
        found.extend(connection.execute(query))
    return _oldest_first(found, 2)


def _not_stored(entity: str, project: str, ids: list[str]) -> list[str]:
    """The ids, of those given, that no prediction of the project has."""
    existing: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        existing.update(
            request_connection()
            .execute(
                select(Prediction.id).where(
                    Prediction.entity == entity,
                    Prediction.project == project,
                    Prediction.id.in_(ids[start : start + CHUNK]),
                )
            )
            .scalars()
        )
    return [prediction for prediction in ids if prediction not in existing]


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


def prediction_scores(entity: str, project: str, prediction_ids: Sequence[str]) -> list[Sequence]:
    """(prediction id, score id, scorer, value_json) of every score naming these predictions,
    oldest first."""
    found: list[Sequence] = []
    usable = _usable(prediction_ids)
    for start in range(0, len(usable), CHUNK):
        query = (
            select(Score.prediction_id, Score.id, Score.scorer, Score.value_json)
            .where(Score.entity == entity, Score.project == project)
            .where(Score.prediction_id.in_(usable[start : start + CHUNK]))
        )
        found.extend(request_connection().execute(query))
    found.sort(key=lambda row: row[1])
    return found


def trial_scorers(entity: str, project: str, run_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(scorer, scorer_digest) of every scorer that scored a prediction of the runs, or a
    score naming the runs; for names the statistics (kept by the score's own run) lack."""
    in_runs = select(Prediction.id).where(
        Prediction.entity == entity,
        Prediction.project == project,
        Prediction.evaluation_run_id.in_(_usable(run_ids)),
    )
    of_trials = select(Score.scorer, Score.scorer_digest).where(
        Score.entity == entity, Score.project == project, Score.prediction_id.in_(in_runs)
    )
    naming = select(Score.scorer, Score.scorer_digest).where(
        Score.entity == entity,
        Score.project == project,
        Score.evaluation_run_id.in_(_usable(run_ids)),
    )
    rows = request_connection().execute(of_trials.union(naming)).all()
    return sorted((scorer, digest) for scorer, digest in rows)
