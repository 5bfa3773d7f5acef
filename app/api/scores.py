"""The four scores routes of the contract."""

from flask import Response, request, stream_with_context
from werkzeug.exceptions import HTTPException

from app.api import bp, guard
from app.api.body import (
    BodyError,
    is_empty,
    missing_body_error,
    read_json_body,
    with_body_prefix,
)
from app.api.params import QueryError, parse_list_query
from app.api.responses import error_response, json_response, validation_error
from app.auth import current_api_user
from app.services import idempotency, scores
from app.services.errors import Conflict, DomainError, Forbidden, NotAuthenticated
from app.services.scorer_values import ScorerConfigError
from app.validation import ScoreCreate, ScoreRulesError, surrogate_error, validate_score

SCORES = "/v2/<entity>/<project>/scores"
LINES_PER_CHUNK = 500


@bp.post(SCORES)
def create_score(entity: str, project: str):
    """Store a score. 200 {score_id}; 400 bad UTF-8; 409 key reused; 413 too large; 422 invalid."""
    deferred_digest = guard.deferred_key_digest()
    try:
        fields = _fields_from_body()
    except (RefusedBody, HTTPException) as exc:
        # A caller that may not use the entity learns nothing about its body.
        refused = guard.authenticate_now() if deferred_digest is not None else None
        if refused is not None:
            return refused
        if isinstance(exc, HTTPException):
            raise
        return validation_error(exc.errors)
    try:
        if deferred_digest is not None:
            try:
                score_id = scores.create_score_for_key(entity, project, fields, deferred_digest)
            except (NotAuthenticated, Forbidden) as exc:
                return guard.refusal(exc)
        elif (key := request.headers.get("Idempotency-Key")) is not None:
            return _create_idempotent(entity, project, fields, key)
        else:
            score_id = scores.create_score(entity, project, fields, current_api_user().username)
    except ScorerConfigError as exc:
        # The value breaks its scorer's config: checked before a deferred key was.
        refused = guard.authenticate_now() if deferred_digest is not None else None
        return refused or validation_error(with_body_prefix(exc.errors))
    return Response(f'{{"score_id":"{score_id}"}}', mimetype="application/json")


class RefusedBody(Exception):
    """The body is missing or breaks the rules; errors are FastAPI-shaped, under 'body'."""

    def __init__(self, errors: list[dict]):
        super().__init__("refused body")
        self.errors = errors


def _fields_from_body() -> ScoreCreate:
    """The validated body. Raises RefusedBody, or 400/413 as read_json_body does."""
    try:
        body = read_json_body()
        if is_empty(body):
            raise RefusedBody([{**missing_body_error(), "loc": ["body"]}])
        return validate_score(body)
    except (BodyError, ScoreRulesError) as exc:
        raise RefusedBody(with_body_prefix(exc.errors)) from None


def _create_idempotent(entity: str, project: str, fields, key: str):
    """The create with an Idempotency-Key. 200 (replayed or new); 409 key reused; 422 bad key."""
    try:
        score_id, replayed = idempotency.create_score_once(
            entity, project, fields, current_api_user(), idempotency.check_key(key)
        )
    except Conflict as exc:
        return error_response(409, exc.message)
    except DomainError as exc:
        return validation_error(
            [
                {
                    "type": "value_error",
                    "loc": ["header", "idempotency-key"],
                    "msg": exc.message,
                    "input": key,
                }
            ]
        )
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return json_response({"score_id": score_id}, headers=headers)


@bp.get(f"{SCORES}/<score_id>")
def read_score(entity: str, project: str, score_id: str):
    """One score. 200 score object; 404 when not in this entity/project."""
    row = scores.read_api_row(entity, project, score_id)
    if row is None:
        return error_response(404, "Score not found")
    line = scores.api_line(row)
    return Response(line, mimetype="application/json")


@bp.get(SCORES)
def list_scores(entity: str, project: str):
    """Scores oldest first as JSON lines, streamed. 200; 422 bad limit/offset."""
    try:
        query = parse_list_query(request.args)
    except QueryError as exc:
        return validation_error(exc.errors)
    # Run the query now, so a database failure is a 503 rather than a cut stream.
    rows = scores.list_api_rows(entity, project, query.evaluation_run_id, query.limit, query.offset)
    if isinstance(rows, scores.FetchedRows):
        # A page is already in memory: answer it whole, with a Content-Length.
        return Response("".join(_jsonl(rows)), mimetype="application/jsonl")
    return Response(stream_with_context(_jsonl(rows)), mimetype="application/jsonl")


def _jsonl(rows):
    # One object per line, each ending in "\n", batched into large writes.
    try:
        chunk: list[str] = []
        for row in rows:
            chunk.append(scores.api_line(row))
            if len(chunk) == LINES_PER_CHUNK:
                yield "\n".join(chunk) + "\n"
                chunk = []
        if chunk:
            yield "\n".join(chunk) + "\n"
    finally:
        rows.close()


@bp.delete(SCORES)
def delete_scores(entity: str, project: str):
    """Delete by ids (?score_ids=… or a JSON array body). 200 {num_deleted}; 422."""
    score_ids = request.args.getlist("score_ids")
    if not score_ids:
        try:
            score_ids = _ids_from_body()
        except BodyError as exc:
            return validation_error(with_body_prefix(exc.errors))
    if not score_ids:
        return validation_error(
            [
                {
                    "type": "missing",
                    "loc": ["query", "score_ids"],
                    "msg": "Field required",
                    "input": None,
                }
            ]
        )
    deleted = scores.delete_scores(entity, project, score_ids)
    return json_response({"num_deleted": deleted})


def _ids_from_body() -> list[str]:
    body = read_json_body()
    if is_empty(body):
        return []
    if not isinstance(body, list):
        raise BodyError(
            [{"type": "list_type", "loc": (), "msg": "Input should be a valid list", "input": body}]
        )
    errors = [error for index, item in enumerate(body) if (error := _id_error(index, item))]
    if errors:
        raise BodyError(errors)
    return body


def _id_error(index: int, item) -> dict | None:
    if not isinstance(item, str):
        message = "Input should be a valid string"
        return {"type": "string_type", "loc": (index,), "msg": message, "input": item}
    # A surrogate can be neither stored nor compared: refused as in a create.
    error = surrogate_error(item)
    return None if error is None else {**error, "loc": (index,)}
