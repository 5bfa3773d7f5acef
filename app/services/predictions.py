"""Predictions: what a model answered for one dataset row, with the row as its inputs."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import uuid_utils

from app import storage
from app.jsonbody import dumps_value

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


def create_prediction(entity: str, project: str, row: dict) -> str:
    """Store a new prediction row by a known author, durably; return its id."""
    storage.store_prediction(row)
    return row["id"]
