"""Settings, read from the environment when the app is created."""

import os
import secrets
from pathlib import Path

from app.server.threads import web_threads
from app.storage.engine import engine_options


def _database_url(instance_path: str) -> str:
    """Return the SQLAlchemy URL from DATABASE_URL, defaulting to SQLite in instance/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'scores.db'}"
    # Heroku-style and libpq URLs name no driver; we always use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(instance_path: str) -> str:
    """Return SECRET_KEY, or one generated once and kept so sessions survive restarts."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SQLITE_SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


def _sqlite_synchronous() -> str:
    # FULL: a score is on disk before its 200 is sent, even across power loss.
    level = os.environ.get("SQLITE_SYNCHRONOUS", "FULL").strip().upper()
    if level not in SQLITE_SYNCHRONOUS_LEVELS:
        raise ValueError(
            f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS_LEVELS)}"
        )
    return level


def load(instance_path: str) -> dict:
    """Build the Flask config mapping from environment variables."""
    database_url = _database_url(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": _secret_key(instance_path),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_BODY_BYTES", str(1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SQLITE_SYNCHRONOUS": _sqlite_synchronous(),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, web_threads(database_url)),
        "WTF_CSRF_TIME_LIMIT": None,
        # Checked by the admin blueprint, where a cookie signs people in; the
        # API authenticates every request with a key, so it needs none.
        "WTF_CSRF_CHECK_DEFAULT": False,
        # Werkzeug's method string; scrypt is the slow KDF we want in production.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        # Proxies in front that set X-Forwarded-For and -Proto (1 behind
        # deploy/nginx.conf): the client's address, which the sign-in
        # throttle counts by, is the one the nearest of them saw.
        "PROXY_HOPS": int(os.environ.get("PROXY_HOPS", "0")),
        # How long a review queue's item stays held for a reviewer who opened it: long
        # enough to answer, short enough that an abandoned one soon goes back.
        "REVIEW_HOLD_SECONDS": int(os.environ.get("REVIEW_HOLD_SECONDS", "300")),
    }
