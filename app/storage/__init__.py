"""Storage: the only package that knows databases apart, and how rows reach the disk
fast and safely (connections, the SQLite writer lock, WAL syncing, group
commit, compiled statements, list anchors, remembered rows, backups).

Services call what this module exports; its other modules are its own
(`make lint` checks both).
"""

from flask import Flask

from app.extensions import db
from app.storage import key_lookup, run_memory, score_folds
from app.storage.api_lines import api_line, format_timestamp, prediction_line, run_line
from app.storage.backup import BackupError, backup_to, restore_from
from app.storage.digests import could_be_stored, scorer_digest
from app.storage.engine import configure_engine, engine_options, is_postgresql
from app.storage.evaluation_rows import (
    PREDICTION_COLUMNS,
    RUN_COLUMNS,
    delete_predictions,
    delete_runs,
    finish_prediction,
    finish_run,
    insert_run,
    insert_runs,
    list_predictions,
    list_runs,
    read_prediction,
    read_run,
)
from app.storage.health import database_problem
from app.storage.key_lookup import KeyCheck, KeyRefused, mark_used_now
from app.storage.list_anchors import record_settled_change
from app.storage.recount import recount_project as _recount_project
from app.storage.review_queues import (
    add_items,
    delete_queue,
    insert_queue,
    list_queues,
    missing_predictions,
    prediction_ids_of_runs,
    queue_items,
    queue_progress,
    read_queue,
    remove_items,
    update_queue,
)
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
from app.storage.review_results import (
    answer_values,
    judge_values,
    prediction_scores_of,
    scorers_on_queue,
)
from app.storage.review_turns import (
    has_answered,
    last_answered,
    open_items,
    read_item,
    record_answer,
    send_back,
    take_hold,
)
from app.storage.row_batches import PendingCreate
from app.storage.row_batches import store as _store
from app.storage.row_inserts import PREDICTIONS, SCORES, insert_predictions, insert_scores
from app.storage.row_locks import forget_sign_in_attempts, locked_sign_in_attempts
from app.storage.run_memory import RunRows
from app.storage.run_reads import (
    RunTotals,
    group_values,
    orphan_scores,
    prediction_payloads,
    prediction_scores,
    predictions_of_row,
    project_runs,
    run_trials,
    stats_rows,
    trial_scorers,
    trial_scores,
)
from app.storage.score_rows import (
    API_COLUMNS,
    FetchedRows,
    RowStream,
    delete_score_rows,
    list_api_rows,
    read_api_row,
)
from app.storage.scorer_configs import (
    ConfigsChanged,
    ProjectConfigs,
    active_configs,
    add_config_version,
    archive_config,
    config_generation,
    config_history,
    config_version,
    latest_config,
    project_configs,
)
from app.storage.scoring_queue import next_unscored, own_scores, scoring_progress
from app.storage.transactions import (
    core_write,
    register_request_connection,
    request_connection,
    write_transaction,
)

__all__ = [
    "active_configs",
    "add_config_version",
    "add_items",
    "answer_values",
    "API_COLUMNS",
    "api_line",
    "archive_config",
    "backup_to",
    "BackupError",
    "config_generation",
    "config_history",
    "config_version",
    "ConfigsChanged",
    "configure",
    "core_write",
    "could_be_stored",
    "database_problem",
    "delete_predictions",
    "delete_queue",
    "delete_runs",
    "delete_score_rows",
    "engine_options",
    "FetchedRows",
    "finish_prediction",
    "finish_run",
    "forget_sign_in_attempts",
    "format_timestamp",
    "group_values",
    "has_answered",
    "insert_predictions",
    "insert_queue",
    "insert_run",
    "insert_runs",
    "insert_scores",
    "judge_values",
    "KeyCheck",
    "KeyRefused",
    "last_answered",
    "latest_config",
    "list_api_rows",
    "list_predictions",
    "list_queues",
    "list_runs",
    "locked_sign_in_attempts",
    "look_up_key",
    "mark_used_now",
    "missing_predictions",
    "next_unscored",
    "open_items",
    "orphan_scores",
    "own_scores",
    "PREDICTION_COLUMNS",
    "prediction_ids_of_runs",
    "prediction_line",
    "prediction_payloads",
    "prediction_row",
    "prediction_scores",
    "prediction_scores_of",
    "PredictionPreview",
    "predictions_in_runs",
    "predictions_of_row",
    "previews",
    "project_configs",
    "project_deletions",
    "project_runs",
    "ProjectConfigs",
    "queue_items",
    "queue_progress",
    "read_api_row",
    "read_item",
    "read_prediction",
    "read_queue",
    "read_run",
    "record_answer",
    "record_settled_change",
    "fold_statistics",
    "recount_statistics",
    "remembered_run_rows",
    "remembered_run_values",
    "remove_items",
    "request_connection",
    "restore_from",
    "RowStream",
    "RUN_COLUMNS",
    "run_line",
    "run_predictions",
    "run_row",
    "run_scored_predictions",
    "run_totals",
    "run_trials",
    "RunRows",
    "RunTotals",
    "scope_values",
    "ScoreLine",
    "scorer_digest",
    "scorers_on_queue",
    "scores_of_predictions",
    "scoring_progress",
    "send_back",
    "stat_scorers",
    "stats_rows",
    "store_prediction",
    "store_score",
    "take_hold",
    "trial_scorers",
    "trial_scores",
    "update_queue",
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


def store_score(row: dict, key_digest: str | None = None, generation: int = 0) -> None:
    """Store a new score's row, durably, in a batch with whatever else this worker stores.

    key_digest: check this key for the row's entity first and make its owner
    the author; raises KeyRefused when it may not write there.
    generation: the project's scorer-config generation the value was checked
    at; raises ConfigsChanged, storing nothing, when it is no longer current.
    """
    _store(db.engine, SCORES, PendingCreate(row, key_digest, generation))


def store_prediction(row: dict, key_digest: str | None = None) -> None:
    """Store a new prediction's row, as store_score stores a score's."""
    _store(db.engine, PREDICTIONS, PendingCreate(row, key_digest))


def fold_statistics(entity: str, project: str) -> None:
    """Fold the scores stored since the project's horizon into its statistics now
    (PostgreSQL: score_folds.py; SQLite counts as it stores)."""
    if is_postgresql(db.engine):
        score_folds.fold(db.engine, entity, project)


def recount_statistics(entity: str, project: str) -> tuple[int, int]:
    """Count a project's statistics again from its rows; return (scores, predictions)."""
    return _recount_project(db.engine, entity, project)


def remembered_run_rows(entity: str, project: str, run_id: str) -> RunRows:
    """A run's predictions (id, digest) and its scores of unstored predictions, oldest first,
    from what this process remembers of them (run_memory.py); not to be changed."""
    return run_memory.run_rows(request_connection(), entity, project, run_id)


def remembered_run_values(
    entity: str, project: str, run_id: str, scorer_digest: str, trial_ids: set[str]
) -> list[tuple]:
    """(prediction id, score id, scorer, value_json) of one scorer's scores of a run's
    predictions (trial_ids, as remembered_run_rows gave them), oldest first; not to be
    changed."""
    return run_memory.run_values(
        request_connection(), entity, project, run_id, scorer_digest, trial_ids
    )
