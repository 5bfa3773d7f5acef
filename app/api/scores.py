"""The four scores routes of the contract."""

from functools import partial

from flask import request

from app.api import bp
from app.api.creates import Creates, create
from app.api.params import ListQuery, QueryError, delete_answer, parse_list_query
from app.api.responses import jsonl_response, object_or_404, validation_error
from app.services import scores
from app.validation import validate_score

SCORES = "/v2/<entity>/<project>/scores"
CREATES = Creates(
    id_name="score_id",
    validate=validate_score,
    by_user=scores.create_score,
    for_key=scores.create_score_for_key,
    once=scores.create_score_once,
)


@bp.post(SCORES)
def create_score(entity: str, project: str):
    """Store a score. 200 {score_id}; 400 bad UTF-8; 409 key reused; 413 too large; 422 invalid."""
    return create(entity, project, CREATES)


@bp.get(f"{SCORES}/<score_id>")
def read_score(entity: str, project: str, score_id: str):
    """One score. 200 score object; 404 when not in this entity/project."""
    row = scores.read_api_row(entity, project, score_id)
    return object_or_404(row, scores.api_line, "Score not found")


@bp.get(SCORES)
def list_scores(entity: str, project: str):
    """Scores oldest first as JSON lines, streamed. 200; 422 bad limit/offset."""
    try:
        query = parse_list_query(request.args, ListQuery)
    except QueryError as exc:
        return validation_error(exc.errors)
    # Run the query now, so a database failure is a 503 rather than a cut stream.
    rows = scores.list_api_rows(entity, project, query.evaluation_run_id, query.limit, query.offset)
    return jsonl_response(rows, scores.api_line)


@bp.delete(SCORES)
def delete_scores(entity: str, project: str):
    """Delete by ids (?score_ids=… or a JSON array body). 200 {num_deleted}; 422."""
    return delete_answer("score_ids", partial(scores.delete_scores, entity, project))
