"""HTTP error pages for the whole app (JSON under /api/), and a rollback after a crash."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from smp_hygiene.extensions import db
from smp_hygiene.views.verify import unknown_record


def register(app: Flask) -> None:
    """Render HTTP errors as pages (or JSON under /api/) and roll back after a crash."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return {"error": error.name, "message": error.description}, error.code
        if request.path.startswith("/v/") and error.code == 404:  # e.g. /v/a/b: no such route
            return unknown_record()
        return render_template("errors/http.html", error=error), error.code

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_template("errors/http.html", error=error), 500
