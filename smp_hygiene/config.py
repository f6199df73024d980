"""Configuration from the environment; nothing secret lives in the repo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

# What a production deployment must set (compose.yaml provides each; tests/test_compose.py checks).
PRODUCTION_SETTINGS = (
    "APP_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "RATELIMIT_STORAGE_URI",
    "REDIS_URL",
    "PUBLIC_BASE_URL",
    "PROXY_FIX_HOPS",
    "SMP_BACKUP_PASSPHRASE",
    "SMTP_HOST",
    "MAIL_FROM",
    "METRICS_TOKEN",
)


class Defaults:
    # What every page, title and PDF footer calls the product; the Python package keeps its name.
    PRODUCT_NAME = "Cleanline"
    APP_ENV = os.environ.get("APP_ENV", "development")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///smp_hygiene.sqlite3")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Off: X-RateLimit-* headers cost two more storage round trips per request (the patient page
    # is the busiest); a 429 still says Retry-After (views/error_pages.retry_after).
    RATELIMIT_HEADERS_ENABLED = False
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")
    # Failed sign-ins from one address; the account's own pause is services/people/throttling.
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "20 per 15 minutes")
    # Behind a reverse proxy, how many proxies set X-Forwarded-For/-Proto/-Host (0: none, so a
    # client cannot forge its address past the per-address login limit).
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    HSTS_MAX_AGE = 31_536_000  # a year, as the HSTS preload list asks
    # Defaults for a new clinic; each clinic then keeps its own copy as a setting.
    PATCH_TEST_WAIT_HOURS = int(os.environ.get("PATCH_TEST_WAIT_HOURS", "48"))
    PATCH_TEST_VALID_DAYS = int(os.environ.get("PATCH_TEST_VALID_DAYS", "180"))
    HEALING_GAP_DAYS = int(os.environ.get("HEALING_GAP_DAYS", "5"))
    # Two identical scans this close together are one scan pressed twice, not two uses.
    DOUBLE_SCAN_SECONDS = 3
    IDLE_TIMEOUT_MINUTES = int(os.environ.get("IDLE_TIMEOUT_MINUTES", "15"))
    SESSION_COOKIE_HTTPONLY = True
    # No request body above this is read (413): a client's report carries at most three 8 MB
    # photos (services/aftercare/photos.py); nothing else we take comes near it.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(32 * 1024 * 1024)))
    # "json" (one object per line, for a log collector) or "text"; production defaults to json.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    # Bearer token Prometheus sends to /metrics; without one, production answers 404 there.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    # A trusted shared tablet's cookie (views/tablet.py); production adds the __Host- prefix.
    DEVICE_COOKIE_NAME = "smp_device"
    DEVICE_COOKIE_DAYS = 365
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # tied to the login session, which times out on its own
    # Client notices by email (services/notifications). With REDIS_URL set, a worker
    # (`flask notifications worker`) sends them; without it, `flask notifications send` does.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    NOTIFY_QUEUE = os.environ.get("NOTIFY_QUEUE", "notifications")
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "").lower() in ("1", "true", "yes")
    SMTP_TIMEOUT_SECONDS = int(os.environ.get("SMTP_TIMEOUT_SECONDS", "30"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "")
    # A claim older than this is a worker that died mid-send: the notice is sent again, with
    # the same Message-ID. Keep it well above SMTP_TIMEOUT_SECONDS.
    NOTIFY_CLAIM_TIMEOUT_SECONDS = int(os.environ.get("NOTIFY_CLAIM_TIMEOUT_SECONDS", "600"))
    # The JSON API (views/api/): its OpenAPI document and Swagger UI, served from our own files.
    API_TITLE = "smp_hygiene"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"
    # Requests per API token (an autoclave logger posts a cycle every hour or so).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")


def finalise(app: Flask) -> None:
    """Refuse to run in production without a secret; give development a stable local one."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # Heroku-style URLs name a dialect SQLAlchemy dropped
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgres://") :]
    elif uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "postgresql+psycopg://" + uri[len("postgresql://") :]
        )
    if not app.config["LOG_FORMAT"]:
        app.config["LOG_FORMAT"] = "json" if app.config["APP_ENV"] == "production" else "text"
    if app.config["APP_ENV"] == "production":
        secure_cookies(app)
    if app.config["SECRET_KEY"]:
        return
    if app.config["APP_ENV"] != "development":
        raise RuntimeError("SECRET_KEY must be set outside development; refusing to start.")
    app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path))


def secure_cookies(app: Flask) -> None:
    """Production is HTTPS only: cookies never travel in clear, nor with another site's POST."""
    app.config.update(
        SESSION_COOKIE_SECURE=True,
        # Lax, not Strict: a link from an email still opens signed in; POSTs need our CSRF token.
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # __Host-: the browser keeps it only if Secure, for this host alone, on path /.
        DEVICE_COOKIE_NAME="__Host-smp_device",
    )


def _development_secret(instance: Path) -> str:
    """Kept in instance/ (git-ignored) so logins survive a restart of `make run`."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
