"""HTTP error pages for the whole app (JSON under /api/), and a rollback after a crash."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from smp_hygiene.extensions import db
from smp_hygiene.views.verify import unknown_record


def json_error(name: str, message: str) -> dict:
    """The API's one error shape, for errors no API view saw (an unknown URL, a crash)."""
    return {"error": name.lower().replace(" ", "_"), "message": message, "rule": None}


def retry_after(error: HTTPException) -> dict[str, str]:
    """A refused rate limit says how long to wait at most: the limit's whole window. The
    limiter's own headers are off (config.RATELIMIT_HEADERS_ENABLED), as they cost two more
    storage round trips on every request, the patient page's included."""
    if isinstance(error, RateLimitExceeded):
        return {"Retry-After": str(error.limit.limit.get_expiry())}
    return {}


def register(app: Flask) -> None:
    """Render HTTP errors as pages (or JSON under /api/) and roll back after a crash."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return json_error(error.name, error.description or ""), error.code, retry_after(error)
        if request.path.startswith("/v/") and error.code == 404:  # e.g. /v/a/b: no such route
            return unknown_record()
        page = render_template("errors/http.html", error=error)
        return page, error.code, retry_after(error)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if request.path.startswith("/api/"):
            message = "Something went wrong on our side; nothing was recorded. Try again later."
            return json_error("Internal Server Error", message), 500
        return render_template("errors/http.html", error=error), 500
