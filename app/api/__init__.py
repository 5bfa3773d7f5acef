"""The JSON API: the /v2 routes of the contract (scores, evaluation runs, predictions),
/health and /openapi.json."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import (  # noqa: E402,F401  (routes register on import)
    errors,
    eval_results,
    evaluation_runs,
    guard,
    predictions,
    scores,
    service,
)
