"""Storage: the only package that knows databases apart, and how rows reach the disk
fast and safely (connections, the SQLite writer lock, WAL syncing, group
commit, compiled statements, list anchors, remembered rows, backups).

Services call what this module exports; its other modules are its own
(`make lint` checks both).
"""

from flask import Flask
from sqlalchemy.engine import Connection

from app.extensions import db
from app.storage import key_lookup
from app.storage.api_lines import api_line, format_timestamp, prediction_line, run_line
from app.storage.backup import BackupError, backup_to, restore_from
from app.storage.engine import configure_engine, engine_options
from app.storage.evaluation_rows import (
    PREDICTION_COLUMNS,
    RUN_COLUMNS,
    delete_predictions,
    delete_runs,
    finish_prediction,
    finish_run,
    insert_run,
    list_predictions,
    list_runs,
    read_prediction,
    read_run,
)
from app.storage.key_lookup import KeyCheck, KeyRefused, mark_used_now
from app.storage.list_anchors import record_settled_change
from app.storage.review_reads import (
    PredictionPreview,
    ScoreLine,
    prediction_row,
    predictions_in_runs,
    previews,
    project_deletions,
    run_predictions,
    run_row,
    run_scored_predictions,
    run_totals,
    scope_values,
    scores_of_predictions,
    stat_scorers,
)
from app.storage.row_batches import PendingCreate
from app.storage.row_batches import store as _store
from app.storage.row_inserts import PREDICTIONS, SCORES, insert_rows
from app.storage.run_reads import (
    RunTotals,
    group_values,
    orphan_scores,
    prediction_payloads,
    predictions_of_row,
    project_runs,
    run_trials,
    stats_rows,
    trial_scores,
)
from app.storage.score_rows import (
    API_COLUMNS,
    FetchedRows,
    RowStream,
    could_be_stored,
    delete_score_rows,
    list_api_rows,
    read_api_row,
    scorer_digest,
)
from app.storage.transactions import (
    core_write,
    register_request_connection,
    request_connection,
    write_transaction,
)

__all__ = [
    "API_COLUMNS",
    "PREDICTION_COLUMNS",
    "PREDICTIONS",
    "RUN_COLUMNS",
    "SCORES",
    "api_line",
    "backup_to",
    "BackupError",
    "configure",
    "configure_engine",
    "core_write",
    "could_be_stored",
    "delete_predictions",
    "delete_runs",
    "delete_score_rows",
    "engine_options",
    "FetchedRows",
    "finish_prediction",
    "finish_run",
    "format_timestamp",
    "group_values",
    "insert_rows",
    "insert_run",
    "insert_scores",
    "KeyCheck",
    "KeyRefused",
    "list_api_rows",
    "list_predictions",
    "list_runs",
    "look_up_key",
    "mark_used_now",
    "orphan_scores",
    "PendingCreate",
    "prediction_line",
    "PredictionPreview",
    "prediction_row",
    "predictions_in_runs",
    "previews",
    "project_deletions",
    "prediction_payloads",
    "predictions_of_row",
    "project_runs",
    "read_api_row",
    "read_prediction",
    "read_run",
    "record_settled_change",
    "register_request_connection",
    "request_connection",
    "restore_from",
    "RowStream",
    "run_line",
    "run_predictions",
    "run_row",
    "run_scored_predictions",
    "run_totals",
    "run_trials",
    "RunTotals",
    "scorer_digest",
    "scope_values",
    "ScoreLine",
    "scores_of_predictions",
    "stat_scorers",
    "stats_rows",
    "store_prediction",
    "store_score",
    "trial_scores",
    "write_transaction",
]


def configure(app: Flask) -> None:
    """Set up the bound engine's connections and the per-request Core connection."""
    register_request_connection(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_SYNCHRONOUS"])


def look_up_key(digest: str, entity: str | None, now) -> KeyCheck | None:
    """The active key with this digest and its owner's grant for the entity, or None."""
    return key_lookup.check_key(request_connection(), digest, entity, now)


def store_score(row: dict, key_digest: str | None = None) -> None:
    """Store a new score's row, durably, in a batch with whatever else this worker stores.

    key_digest: check this key for the row's entity first and make its owner
    the author; raises KeyRefused when it may not write there.
    """
    _store(db.engine, SCORES, PendingCreate(row, key_digest))


def store_prediction(row: dict, key_digest: str | None = None) -> None:
    """Store a new prediction's row, as store_score stores a score's."""
    _store(db.engine, PREDICTIONS, PendingCreate(row, key_digest))


def insert_scores(connection: Connection, rows: list[dict]) -> None:
    """Store score rows, with their statistics, in the caller's write transaction."""
    insert_rows(connection, SCORES, rows)
