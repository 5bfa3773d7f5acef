"""The JSON API: the /v2 routes of the contract (scores, evaluation runs, predictions,
eval results), our /api/v1 routes (scorer configs), /health and /openapi.json."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import (  # noqa: E402,F401  (routes register on import)
    errors,
    eval_results,
    evaluation_runs,
    guard,
    predictions,
    scorer_configs,
    scores,
    service,
)
