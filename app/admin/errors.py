"""Friendly HTML error pages for the UI."""

from flask import render_template
from werkzeug.exceptions import HTTPException


def error_page(exc: HTTPException):
    """Render the error page for an HTTP error under the UI."""
    status = exc.code or 500
    return render_template("admin/errors/error.html", status=status, name=exc.name), status
