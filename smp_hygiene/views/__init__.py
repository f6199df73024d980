"""Blueprints, one per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from smp_hygiene.views import admin, audit, auth, chair, home, verify

    for module in (auth, home, verify, audit, admin, chair):
        app.register_blueprint(module.bp)
    auth.register_login(app)
