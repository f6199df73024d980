"""Blueprints, one per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from smp_hygiene.views import auth, home, verify

    for module in (auth, home, verify):
        app.register_blueprint(module.bp)
    auth.register_login(app)
