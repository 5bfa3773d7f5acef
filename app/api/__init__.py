"""The JSON API: the /v2 scores routes of the contract, our /api/v1 routes (scorer configs),
/health and /openapi.json."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import (  # noqa: E402,F401  (routes register on import)
    errors,
    guard,
    scorer_configs,
    scores,
    service,
)
