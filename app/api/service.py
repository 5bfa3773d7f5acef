"""Service routes: /health and /openapi.json."""

from flask import current_app
from sqlalchemy import text

from app.api import bp
from app.api.openapi import build_document
from app.api.responses import json_response
from app.extensions import db


@bp.get("/health")
def health():
    """200 {"status":"ok"} when the database answers a query, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "not healthy"
        current_app.logger.warning("health check failed: %s", type(exc).__name__)
        db.session.rollback()
        return json_response({"status": "unavailable", "detail": "Database unavailable"}, 503)
    return json_response({"status": "ok"})


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of the /v2 and /api/v1 routes."""
    return json_response(build_document())
