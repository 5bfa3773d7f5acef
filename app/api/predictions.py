"""The prediction routes: create, read, list, finish and delete (EVALS.md)."""

from functools import partial

from flask import request

from app.api import bp
from app.api.creates import Creates, create
from app.api.params import ListQuery, QueryError, delete_answer, parse_list_query
from app.api.responses import (
    error_response,
    json_response,
    jsonl_response,
    object_or_404,
    validation_error,
)
from app.services import predictions
from app.services.errors import NotFound
from app.validation import PredictionCreate, validate

PREDICTIONS = "/v2/<entity>/<project>/predictions"
CREATES = Creates(
    id_name="prediction_id",
    validate=partial(validate, PredictionCreate),
    by_user=predictions.create_prediction_by,
    for_key=predictions.create_prediction_for_key,
    once=predictions.create_prediction_once,
)


@bp.post(PREDICTIONS)
def create_prediction(entity: str, project: str):
    """Store a prediction. 200 {prediction_id}; 400 bad UTF-8; 409 key reused; 413; 422."""
    return create(entity, project, CREATES)


@bp.get(f"{PREDICTIONS}/<prediction_id>")
def read_prediction(entity: str, project: str, prediction_id: str):
    """One prediction. 200 prediction object; 404 when not in this entity/project."""
    row = predictions.read_api_row(entity, project, prediction_id)
    return object_or_404(row, predictions.api_line, "Prediction not found")


@bp.get(PREDICTIONS)
def list_predictions(entity: str, project: str):
    """Predictions oldest first as JSON lines, streamed. 200; 422 bad limit/offset."""
    try:
        query = parse_list_query(request.args, ListQuery)
    except QueryError as exc:
        return validation_error(exc.errors)
    # Run the query now, so a database failure is a 503 rather than a cut stream.
    rows = predictions.list_api_rows(
        entity, project, query.evaluation_run_id, query.limit, query.offset
    )
    return jsonl_response(rows, predictions.api_line)


@bp.post(f"{PREDICTIONS}/<prediction_id>/finish")
def finish_prediction(entity: str, project: str, prediction_id: str):
    """Mark a prediction finished; it takes no body. 200 {success}; 404 no such prediction."""
    try:
        predictions.finish_prediction(entity, project, prediction_id)
    except NotFound as exc:
        return error_response(404, exc.message)
    return json_response({"success": True})


@bp.delete(PREDICTIONS)
def delete_predictions(entity: str, project: str):
    """Delete predictions with their scores (?prediction_ids=… or a JSON array body).
    200 {num_deleted}; 422."""
    return delete_answer("prediction_ids", partial(predictions.delete_predictions, entity, project))
