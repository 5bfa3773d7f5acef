"""Predictions: what a model answered for one dataset row, with the row as its inputs."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import uuid_utils

from app import storage
from app.jsonbody import dumps_value
from app.services import idempotency, keys
from app.services.errors import NotFound
from app.services.keys import ApiPrincipal
from app.validation import PredictionCreate

KIND = idempotency.Kind("prediction", storage.insert_predictions)
# Reading and deleting are storage's alone: a prediction of this entity/project (or None),
# a run's or the project's oldest first (a page read now, or a stream), and deleting some
# with their scores; the API shows each row as api_line writes it.
read_api_row = storage.read_prediction
list_api_rows = storage.list_predictions
delete_predictions = storage.delete_predictions
api_line = storage.prediction_line

# Canonical JSON of a row's inputs: keys sorted, no whitespace, UTF-8, non-ASCII kept.
_CANONICAL = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)


def row_digest(inputs: dict[str, Any]) -> str:
    """The digest that lines up the same dataset row across runs (EVALS.md)."""
    canonical = _CANONICAL.encode(inputs)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def new_prediction_row(
    entity: str,
    project: str,
    *,
    model: str,
    inputs: dict[str, Any],
    output: Any,
    evaluation_run_id: str | None,
    genai_span_ref: list[dict] | None,
    author: str,
) -> dict:
    """The column values of a new prediction, with a fresh UUIDv7 id."""
    return {
        "id": str(uuid_utils.uuid7()),
        "entity": entity,
        "project": project,
        "evaluation_run_id": evaluation_run_id,
        "model": model,
        "inputs_json": dumps_value(inputs),
        "output_json": dumps_value(output),
        "row_digest": row_digest(inputs),
        "genai_span_ref_json": None if genai_span_ref is None else dumps_value(genai_span_ref),
        "created_by": author,
        "created_at": datetime.now(UTC),
        "finished_at": None,
    }


def row_of(entity: str, project: str, fields: PredictionCreate, author: str) -> dict:
    """The new row of a validated create body."""
    spans = fields.genai_span_ref
    return new_prediction_row(
        entity,
        project,
        model=fields.model,
        inputs=fields.inputs,
        output=fields.output,
        evaluation_run_id=fields.evaluation_run_id,
        genai_span_ref=None if spans is None else [span.model_dump() for span in spans],
        author=author,
    )


def create_prediction(entity: str, project: str, row: dict) -> str:
    """Store a new prediction row by a known author, durably; return its id."""
    storage.store_prediction(row)
    return row["id"]


def create_prediction_by(entity: str, project: str, fields: PredictionCreate, author: str) -> str:
    """Store one validated prediction by a known author; return its id."""
    return create_prediction(entity, project, row_of(entity, project, fields, author))


def create_prediction_for_key(
    entity: str, project: str, fields: PredictionCreate, digest: str
) -> str:
    """Store one validated prediction for whoever holds the key with this digest; return its id.

    The key is checked by the batch that stores it, as for a score
    (scores.create_score_for_key): NotAuthenticated or Forbidden, and
    nothing stored, when it may not.
    """
    return keys.store_for_key(storage.store_prediction, row_of(entity, project, fields, ""), digest)


def create_prediction_once(
    entity: str, project: str, fields: PredictionCreate, user: ApiPrincipal, key: str
) -> tuple[str, bool]:
    """Store the prediction unless this caller's Idempotency-Key already created something.

    Returns (prediction_id, replayed); raises Conflict when the key was used
    for a different request.
    """
    row = row_of(entity, project, fields, user.username)
    return idempotency.create_once(KIND, entity, project, fields, row, user.id, key)


def finish_prediction(entity: str, project: str, prediction_id: str) -> None:
    """Mark a prediction finished (finishing again changes nothing). Raises NotFound."""
    if not storage.finish_prediction(entity, project, prediction_id, datetime.now(UTC)):
        raise NotFound("Prediction not found")
