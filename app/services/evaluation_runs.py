"""Evaluation runs: one model evaluated on one evaluation's dataset, running until finished."""

from datetime import UTC, datetime
from typing import Any

import uuid_utils

from app import storage
from app.jsonbody import dumps_value
from app.models.evaluation_run import RUNNING
from app.services import idempotency
from app.services.errors import NotFound
from app.services.keys import ApiPrincipal
from app.validation import EvaluationRunCreate

KIND = idempotency.Kind("evaluation_run", storage.insert_runs)
# Reading and deleting are storage's alone: a created run of this entity/project (or None),
# the project's runs oldest first, narrowed by each filter given, and deleting some with
# their predictions and scores in one transaction; the API shows each as api_line writes it.
read_api_row = storage.read_run
list_api_rows = storage.list_runs
delete_runs = storage.delete_runs
api_line = storage.run_line


def new_run_row(
    entity: str,
    project: str,
    *,
    evaluation: str,
    model: str,
    source_evaluation_run_id: str | None,
    author: str,
) -> dict:
    """The column values of a new run, running from now, with a fresh UUIDv7 id."""
    return {
        "id": str(uuid_utils.uuid7()),
        "entity": entity,
        "project": project,
        "evaluation": evaluation,
        "model": model,
        "source_evaluation_run_id": source_evaluation_run_id,
        "status": RUNNING,
        "summary_json": None,
        "created_by": author,
        "started_at": datetime.now(UTC),
        "finished_at": None,
    }


def row_of(entity: str, project: str, fields: EvaluationRunCreate, author: str) -> dict:
    """The new row of a validated create body."""
    return new_run_row(
        entity,
        project,
        evaluation=fields.evaluation,
        model=fields.model,
        source_evaluation_run_id=fields.source_evaluation_run_id,
        author=author,
    )


def create_run(row: dict) -> str:
    """Store a new run; return its id."""
    storage.insert_run(row)
    return row["id"]


def create_run_by(entity: str, project: str, fields: EvaluationRunCreate, author: str) -> str:
    """Start one validated run by a known author; return its id."""
    return create_run(row_of(entity, project, fields, author))


def create_run_once(
    entity: str, project: str, fields: EvaluationRunCreate, user: ApiPrincipal, key: str
) -> tuple[str, bool]:
    """Start the run unless this caller's Idempotency-Key already created something.

    Returns (evaluation_run_id, replayed); raises Conflict when the key was
    used for a different request.
    """
    row = row_of(entity, project, fields, user.username)
    return idempotency.create_once(KIND, entity, project, fields, row, user.id, key)


def finish_run(entity: str, project: str, run_id: str, summary: dict[str, Any] | None) -> None:
    """Finish a run with this summary (a second finish keeps the first time). Raises NotFound."""
    summary_json = None if summary is None else dumps_value(summary)
    if not storage.finish_run(entity, project, run_id, summary_json, datetime.now(UTC)):
        raise NotFound("Evaluation run not found")
