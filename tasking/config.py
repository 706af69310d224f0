"""Settings read from the environment (see the interface contract in DESIGN.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from tasking.core.clock import utcnow


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(instance_path: str) -> str:
    """The SQLAlchemy URL: DATABASE_URL, or a SQLite file under instance/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "retablir.db")
    # psycopg 3 is the driver we ship; accept the URLs people paste from their host.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: str) -> str:
    """SECRET_KEY, or one generated once into instance/ so sessions survive restarts."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Exclusive create: two workers starting together must end with one key.
    try:
        with open(path, "x") as fh:
            fh.write(key)
    except FileExistsError:
        return path.read_text().strip()
    os.chmod(path, 0o600)
    return key


def from_environment(instance_path: str) -> dict:
    """Everything the app reads from the environment, as Flask config keys."""
    env = os.environ.get
    base_url = (env("APP_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SECRET_KEY": secret_key(instance_path),
        "MAIL_SERVER": env("MAIL_SERVER") or None,
        "MAIL_PORT": int(env("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _bool(env("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env("MAIL_USE_SSL")),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER") or "Rétablir <no-reply@localhost>",
        "APP_BASE_URL": base_url,
        # Served over HTTPS (the address people use says so): cookies go only there.
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        "APP_TIMEZONE": env("APP_TIMEZONE") or "America/Montreal",
        # Calls per token: `memory://` counts per worker; several instances share redis://….
        "API_RATE_LIMIT": env("API_RATE_LIMIT") or "600 per minute",
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or "memory://",
        # Security log entries older than this many days are purged by the scheduler.
        "SECURITY_LOG_DAYS": _int(env, "SECURITY_LOG_DAYS", 365),
        # Single sign-on: a provider at http://127.0.0.1 or localhost (a test or
        # development provider); otherwise issuers must be https.
        "SSO_HTTP_LOOPBACK": _bool(env("SSO_HTTP_LOOPBACK")),
        **session_settings(env),
    }


def session_settings(env) -> dict:  # noqa: ANN001
    """How long sessions last (core/sessions.py), and how many proxies to trust."""
    remember_days = _int(env, "SESSION_REMEMBER_DAYS", 14)
    return {
        "SESSION_IDLE_MINUTES": _int(env, "SESSION_IDLE_MINUTES", 120),
        "SESSION_MAX_HOURS": _int(env, "SESSION_MAX_HOURS", 12),
        "SESSION_REMEMBER_DAYS": remember_days,
        "SESSION_REAUTH_MINUTES": _int(env, "SESSION_REAUTH_MINUTES", 15),
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * remember_days,
        # Behind nginx (deploy/): 1, so that X-Forwarded-Proto tells https (HSTS, cookies).
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
    }


def _int(env, name: str, default: int) -> int:  # noqa: ANN001
    """A whole number from the environment; a bad one stops the start, naming it."""
    value = (env(name) or "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    return int(value)


DEFAULTS = {
    # The JSON API's OpenAPI document (flask-smorest), at /api/v1/openapi.json.
    "API_TITLE": "Rétablir",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {"security": [{"token": []}]},
    "RATELIMIT_HEADERS_ENABLED": True,
    # What `core.clock.now()` reads: tests replace it with a clock they set.
    "CLOCK": utcnow,
    # No pool_pre_ping: PostgreSQL's connections are checked at checkout by
    # the app's own check (tasking/core/connections.py), one that leaves
    # nothing behind on the server; SQLite's file needs no check.
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "BABEL_DEFAULT_LOCALE": "fr_CA",
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
    "LANGUAGES": {"fr_CA": "Français", "en_CA": "English"},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 14,
    # Above the 5 MB an import may weigh: a bigger body is refused unread (413).
    "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "PASSWORD_RESET_MAX_AGE": 60 * 60 * 2,
    "PASSWORD_HASH_METHOD": "scrypt",
    # After this many wrong passwords in a row, the account refuses sign-in for a while.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_MINUTES": 15,
    "OUTBOX_BATCH_SIZE": 200,
    "OUTBOX_MAX_ATTEMPTS": 6,
}
