"""The application factory: nothing happens at import time."""

import logging
import os

from flask import Flask

from app import config
from app.extensions import csrf, db, login_manager, migrate

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app from the environment, then apply any overrides (tests use them)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(PROJECT_ROOT, "instance"),
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.load(app.instance_path))
    app.config.update(overrides or {})
    register_logging(app)
    register_proxies(app)
    register_sessions(app)
    register_extensions(app)
    register_blueprints(app)
    register_security_headers(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """Log to stderr at INFO (gunicorn and the console pick it up)."""
    if not app.debug:
        app.logger.setLevel(logging.INFO)


def register_proxies(app: Flask) -> None:
    """Trust X-Forwarded-For and -Proto from PROXY_HOPS proxies in front, and no more."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def register_sessions(app: Flask) -> None:
    """Signed-cookie sessions for the UI; API requests skip them."""
    from app.sessions import UiOnlySessionInterface

    app.session_interface = UiOnlySessionInterface()


def register_extensions(app: Flask) -> None:
    """Bind the extensions and set up the database engine."""
    from app import storage

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    storage.configure(app)


def register_blueprints(app: Flask) -> None:
    """The JSON API and the admin pages; only the admin pages check CSRF tokens."""
    from app import auth  # noqa: F401  (registers the auth callbacks)
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)


def register_security_headers(app: Flask) -> None:
    """Content-Security-Policy and friends on every page (app/security_headers.py)."""
    from app.security_headers import register_security_headers as register

    register(app)


def register_error_handlers(app: Flask) -> None:
    from app.errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register_cli

    register_cli(app)
