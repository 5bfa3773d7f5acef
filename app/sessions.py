"""Cookie sessions for the UI only: API requests carry keys, not cookies."""

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface

from app.api.errors import is_api_path


class UiOnlySessionInterface(SecureCookieSessionInterface):
    """Skips loading and signing the session cookie on API requests."""

    def open_session(self, app: Flask, request: Request):
        if is_api_path(request.path):
            return self.make_null_session(app)
        return super().open_session(app, request)
