"""The admin UI: server-rendered pages for people."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import errors  # noqa: E402,F401
