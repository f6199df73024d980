"""HTTP error pages for the whole app (JSON under /api/), and a rollback after a crash."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from smp_hygiene.extensions import db
from smp_hygiene.views.verify import unknown_record


def json_error(name: str, message: str) -> dict:
    """The API's one error shape, for errors no API view saw (an unknown URL, a crash)."""
    return {"error": name.lower().replace(" ", "_"), "message": message, "rule": None}


def register(app: Flask) -> None:
    """Render HTTP errors as pages (or JSON under /api/) and roll back after a crash."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return json_error(error.name, error.description or ""), error.code
        if request.path.startswith("/v/") and error.code == 404:  # e.g. /v/a/b: no such route
            return unknown_record()
        return render_template("errors/http.html", error=error), error.code

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if request.path.startswith("/api/"):
            message = "Something went wrong on our side; nothing was recorded. Try again later."
            return json_error("Internal Server Error", message), 500
        return render_template("errors/http.html", error=error), 500
