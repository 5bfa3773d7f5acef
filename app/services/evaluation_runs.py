"""Evaluation runs: one model evaluated on one evaluation's dataset, running until finished."""

from datetime import UTC, datetime

import uuid_utils

from app import storage
from app.models.evaluation_run import RUNNING


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


def create_run(row: dict) -> str:
    """Store a new run; return its id."""
    storage.insert_run(row)
    return row["id"]
