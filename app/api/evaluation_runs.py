"""The evaluation run routes: create, read, list, finish and delete (EVALS.md)."""

from functools import partial

from flask import request

from app.api import bp
from app.api.body import RefusedBody, validated_body
from app.api.creates import Creates, create
from app.api.params import QueryError, RunListQuery, delete_answer, parse_list_query
from app.api.responses import (
    error_response,
    json_response,
    jsonl_response,
    object_or_404,
    validation_error,
)
from app.services import evaluation_runs
from app.services.errors import NotFound
from app.validation import EvaluationRunCreate, EvaluationRunFinish, validate

RUNS = "/v2/<entity>/<project>/evaluation_runs"
CREATES = Creates(
    id_name="evaluation_run_id",
    validate=partial(validate, EvaluationRunCreate),
    by_user=evaluation_runs.create_run_by,
    for_key=None,
    once=evaluation_runs.create_run_once,
)


@bp.post(RUNS)
def create_evaluation_run(entity: str, project: str):
    """Start a run. 200 {evaluation_run_id}; 400 bad UTF-8; 409 key reused; 413; 422 invalid."""
    return create(entity, project, CREATES)


@bp.get(f"{RUNS}/<evaluation_run_id>")
def read_evaluation_run(entity: str, project: str, evaluation_run_id: str):
    """One run. 200 run object; 404 when no such run was created in this entity/project."""
    row = evaluation_runs.read_api_row(entity, project, evaluation_run_id)
    return object_or_404(row, evaluation_runs.api_line, "Evaluation run not found")


@bp.get(RUNS)
def list_evaluation_runs(entity: str, project: str):
    """Runs oldest first as JSON lines, filtered by repeated keys. 200; 422 bad limit/offset."""
    try:
        query = parse_list_query(request.args, RunListQuery)
    except QueryError as exc:
        return validation_error(exc.errors)
    rows = evaluation_runs.list_api_rows(
        entity,
        project,
        query.evaluation_run_ids,
        query.evaluations,
        query.models,
        query.limit,
        query.offset,
    )
    return jsonl_response(rows, evaluation_runs.api_line)


@bp.post(f"{RUNS}/<evaluation_run_id>/finish")
def finish_evaluation_run(entity: str, project: str, evaluation_run_id: str):
    """Finish a run with a summary. 200 {success}; 400; 404 no such run; 413; 422 invalid."""
    try:
        fields = validated_body(partial(validate, EvaluationRunFinish))
    except RefusedBody as exc:
        return validation_error(exc.errors)
    try:
        evaluation_runs.finish_run(entity, project, evaluation_run_id, fields.summary)
    except NotFound as exc:
        return error_response(404, exc.message)
    return json_response({"success": True})


@bp.delete(RUNS)
def delete_evaluation_runs(entity: str, project: str):
    """Delete runs with their predictions and scores (?evaluation_run_ids=… or a JSON array).
    200 {num_deleted}; 422."""
    return delete_answer(
        "evaluation_run_ids", partial(evaluation_runs.delete_runs, entity, project)
    )
