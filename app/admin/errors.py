"""Friendly HTML error pages for the UI."""

from flask import render_template
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "The request could not be understood. If you submitted a form, reload it and try again.",
    403: "You do not have access to this page.",
    404: "There is nothing here. The page, project or score may not exist.",
    405: "This page does not accept that kind of request.",
    413: "What you sent is too large.",
    500: "Something went wrong on our side. It has been logged.",
    503: "The database is not answering right now. Try again in a moment.",
}


def error_page(exc: HTTPException):
    """Render the error page; a 5xx page does not touch the database (it may be down)."""
    status = exc.code or 500
    message = MESSAGES.get(status, exc.description if status < 500 else MESSAGES[500])
    if status == 400 and "CSRF" in (exc.description or ""):
        message = "The form expired or was sent from elsewhere. Reload the page and try again."
    return render_template(
        "admin/errors/error.html",
        status=status,
        name=exc.name,
        message=message,
        plain=status >= 500,
    ), status
