"""JSON responses in the one shape every API answer uses."""

from flask import Response

from app.jsonbody import dumps_safe


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON response; ASCII-escaped, so even an echoed lone surrogate is valid JSON."""
    return Response(
        dumps_safe(payload), status=status, headers=headers, mimetype="application/json"
    )


def error_response(status: int, detail, headers: dict | None = None) -> Response:
    """An error as FastAPI shapes it: {"detail": ...}."""
    return json_response({"detail": detail}, status, headers)


def validation_error(errors: list[dict]) -> Response:
    """422 with a list of pydantic-shaped errors."""
    return error_response(422, errors)
