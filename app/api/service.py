"""Service routes: /health and /openapi.json."""

from flask import current_app

from app.api import bp
from app.api.openapi import build_document
from app.api.responses import json_response
from app.services import health as health_service


@bp.get("/health")
def health():
    """200 {"status":"ok"} when the database can serve reads and writes, 503 with why otherwise."""
    problem = health_service.database_problem()
    if problem is not None:
        current_app.logger.warning("health check failed: %s", problem)
        return json_response({"status": "unavailable", "detail": problem}, 503)
    return json_response({"status": "ok"})


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of the /v2 and /api/v1 routes."""
    return json_response(build_document())
