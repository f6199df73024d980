"""Blueprints, one per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from smp_hygiene.views import admin, audit, auth, chair, home, reactions, verify

    for module in (auth, home, verify, audit, admin, chair):
        app.register_blueprint(module.bp)
    app.register_blueprint(reactions.bp)
    auth.register_login(app)
