"""One set of error handlers: JSON for the API, friendly pages for the UI."""

from flask import Flask
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from app.admin import errors as admin_errors
from app.api import errors as api_errors


def _is_outage(exc: DBAPIError) -> bool:
    # OperationalError covers a refused connection, a dropped one and SQLite's
    # "database is locked"; invalidated connections are the rest of an outage.
    return isinstance(exc, OperationalError) or bool(exc.connection_invalidated)


def register_error_handlers(app: Flask) -> None:
    """Route every error to the JSON or the HTML renderer by the request's path."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if api_errors.is_api_request():
            return api_errors.http_error(exc)
        return admin_errors.error_page(exc)

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError):
        if not _is_outage(exc):
            return _unexpected(exc)
        if api_errors.is_api_request():
            return api_errors.database_unavailable(exc)
        return admin_errors.error_page(ServiceUnavailable())

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if api_errors.is_api_request():
            return api_errors.internal_error(exc)
        app.logger.exception("unhandled error")
        return admin_errors.error_page(InternalServerError())
