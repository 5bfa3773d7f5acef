"""Evaluation runs and predictions as the API and the pages read them; finishing and deleting.

Creating a prediction goes through the batches (row_batches.py), as a
score does; a run is created rarely, in a transaction of its own.
"""

from collections.abc import Sequence
from itertools import product

from sqlalchemy import Select, bindparam, func, insert, literal, select, update
from sqlalchemy.engine import Connection

from app.models import EvaluationRun, Prediction
from app.models.evaluation_run import FINISHED
from app.storage import deletions
from app.storage.api_lines import api_timestamp
from app.storage.compiled import DriverStatement
from app.storage.score_rows import STREAM_BATCH, FetchedRows, RowStream, could_be_stored
from app.storage.transactions import core_write, request_connection

# The columns of a run and of a prediction as the API returns them (api_lines.py).
RUN_COLUMNS = (
    EvaluationRun.id,
    EvaluationRun.evaluation,
    EvaluationRun.model,
    EvaluationRun.status,
    api_timestamp(EvaluationRun.started_at),
    api_timestamp(EvaluationRun.finished_at),
    EvaluationRun.summary_json,
    EvaluationRun.source_evaluation_run_id,
)
PREDICTION_COLUMNS = (
    Prediction.id,
    Prediction.model,
    Prediction.inputs_json,
    Prediction.output_json,
    Prediction.evaluation_run_id,
    Prediction.created_by,
    api_timestamp(Prediction.created_at),
    Prediction.genai_span_ref_json,
)


def _in_project(model, entity: str, project: str):
    return (model.entity == entity, model.project == project)


# --- Runs ---------------------------------------------------------------------------------


def insert_run(row: dict) -> None:
    """Store a new run (a dict of every column)."""
    with core_write() as connection:
        insert_runs(connection, [row])


def insert_runs(connection: Connection, rows: list[dict]) -> None:
    """Store new runs in the caller's write transaction."""
    connection.execute(insert(EvaluationRun), rows)


def read_run(entity: str, project: str, run_id: str) -> Sequence | None:
    """The API row of one created run, or None."""
    if not could_be_stored(run_id):
        return None
    query = select(*RUN_COLUMNS).where(
        *_in_project(EvaluationRun, entity, project), EvaluationRun.id == run_id
    )
    return request_connection().execute(query).first()


def list_runs(
    entity: str,
    project: str,
    run_ids: Sequence[str] = (),
    evaluations: Sequence[str] = (),
    models: Sequence[str] = (),
    limit: int | None = None,
    offset: int | None = None,
) -> FetchedRows:
    """Created runs, oldest first, narrowed by every filter given (each a list of values)."""
    query = select(*RUN_COLUMNS).where(*_in_project(EvaluationRun, entity, project))
    for column, values in (
        (EvaluationRun.id, run_ids),
        (EvaluationRun.evaluation, evaluations),
        (EvaluationRun.model, models),
    ):
        if values:
            query = query.where(column.in_([v for v in values if could_be_stored(v)]))
    query = query.order_by(EvaluationRun.id).limit(limit).offset(offset or None)
    return FetchedRows(request_connection().execute(query).all())


def finish_run(entity: str, project: str, run_id: str, summary_json: str | None, now) -> bool:
    """Mark a run finished (the first finish's time stays) with this summary; False if none."""
    if not could_be_stored(run_id):
        return False
    with core_write() as connection:
        done = connection.execute(
            update(EvaluationRun)
            .where(*_in_project(EvaluationRun, entity, project), EvaluationRun.id == run_id)
            .values(
                status=FINISHED,
                summary_json=summary_json,
                finished_at=_first(EvaluationRun.finished_at, now),
            )
        )
    return done.rowcount > 0


def _first(column, now):
    """The column's time if it has one, else now: finishing again keeps the first time."""
    return func.coalesce(column, literal(now, column.type))


def delete_runs(entity: str, project: str, run_ids: Sequence[str]) -> int:
    """Delete created runs with their predictions and scores; return how many existed."""
    ids = [run_id for run_id in run_ids if could_be_stored(run_id)]
    with core_write() as connection:
        return deletions.delete_runs(connection, entity, project, ids)


# --- Predictions --------------------------------------------------------------------------


def read_prediction(entity: str, project: str, prediction_id: str) -> Sequence | None:
    """The API row of one prediction, or None."""
    if not could_be_stored(prediction_id):
        return None
    query = select(*PREDICTION_COLUMNS).where(
        *_in_project(Prediction, entity, project), Prediction.id == prediction_id
    )
    return request_connection().execute(query).first()


def _prediction_list(filtered: bool, limited: bool, skipping: bool) -> Select:
    query = select(*PREDICTION_COLUMNS).where(
        Prediction.entity == bindparam("entity"), Prediction.project == bindparam("project")
    )
    if filtered:
        query = query.where(Prediction.evaluation_run_id == bindparam("run"))
    query = query.order_by(Prediction.id)
    if limited:
        query = query.limit(bindparam("limit"))
    if skipping:
        query = query.offset(bindparam("skip"))
    return query


_PREDICTION_LISTS = {
    shape: DriverStatement(_prediction_list(*shape)) for shape in product((False, True), repeat=3)
}


def list_predictions(
    entity: str,
    project: str,
    run_id: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> RowStream | FetchedRows:
    """Predictions oldest first: a page read now, or a stream whose first batch is read now."""
    if run_id is not None and not could_be_stored(run_id):
        return FetchedRows()
    params = {"entity": entity, "project": project, "run": run_id, "limit": limit, "skip": offset}
    statement = _PREDICTION_LISTS[run_id is not None, limit is not None, bool(offset)]
    if limit is not None and limit <= STREAM_BATCH:
        return FetchedRows(statement.all(request_connection(), params))
    return RowStream(statement, params)


def finish_prediction(entity: str, project: str, prediction_id: str, now) -> bool:
    """Mark a prediction finished (the first finish's time stays); False if there is none."""
    if not could_be_stored(prediction_id):
        return False
    with core_write() as connection:
        done = connection.execute(
            update(Prediction)
            .where(*_in_project(Prediction, entity, project), Prediction.id == prediction_id)
            .values(finished_at=_first(Prediction.finished_at, now))
        )
    return done.rowcount > 0


def delete_predictions(entity: str, project: str, prediction_ids: Sequence[str]) -> int:
    """Delete predictions and their scores; return how many of them existed."""
    ids = [prediction_id for prediction_id in prediction_ids if could_be_stored(prediction_id)]
    with core_write() as connection:
        return deletions.delete_predictions(connection, entity, project, ids)
