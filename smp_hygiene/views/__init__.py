"""Blueprints, one per audience."""

from __future__ import annotations

from flask import Flask

from smp_hygiene.services.people import permissions
from smp_hygiene.views import (
    admin,
    api,
    audit,
    auth,
    chair,
    clock,
    health,
    home,
    ids,
    nul_bytes,
    reactions,
    tablet,
    verify,
)
from smp_hygiene.views.forms import new_nonce


def register_blueprints(app: Flask) -> None:
    """Every blueprint, and what every template may ask: a form nonce, who may do what."""
    ids.register(app)  # before the routes: each rule picks its converter when it is added
    nul_bytes.register(app)
    for module in (auth, home, health, verify, audit, admin, chair):
        app.register_blueprint(module.bp)
    app.register_blueprint(reactions.bp)
    api.register(app)
    auth.register_login(app)
    tablet.register(app)  # after the idle check: an idled-out login is already gone
    clock.register(app)
    app.add_template_global(new_nonce, "form_nonce")
    for check in (permissions.can_treat, permissions.can_audit, permissions.can_administer):
        app.add_template_global(check)
