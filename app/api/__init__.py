"""The JSON API: the /v2 scores routes of the contract, /health and /openapi.json."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import errors, eval_results, guard, scores, service  # noqa: E402,F401  (routes register on import)
