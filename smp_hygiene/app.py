"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from smp_hygiene import cli, logs, models, security, sqlite  # noqa: F401  models: the tables
from smp_hygiene.config import finalise
from smp_hygiene.extensions import csrf, db, limiter, login_manager, migrate
from smp_hygiene.views import error_pages, register_blueprints

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class App(Flask):
    """Flask, with 5xx logged by endpoint: Flask's own line names the path, which may be a
    patient's `/v/<token>`."""

    def log_exception(self, exc_info) -> None:
        logs.log_exception(exc_info)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app; tests pass `overrides` instead of touching the environment."""
    app = App(__name__, template_folder="../templates", instance_relative_config=True)
    app.config.from_object("smp_hygiene.config.Defaults")
    app.config.update(overrides or {})
    finalise(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    logs.register(app)
    sqlite.register(app)
    security.register(app)
    security.register_proxy(app)
    register_blueprints(app)
    error_pages.register(app)
    cli.register(app)
    return app
