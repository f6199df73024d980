"""Blueprints, one per audience."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Flask

from smp_hygiene.errors import refusal_label
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
    signed_out,
    tablet,
    verify,
    verify_reports,  # noqa: F401  its routes join the verify blueprint
)
from smp_hygiene.views.forms import new_nonce

MARK = Path(__file__).resolve().parent.parent / "static" / "img" / "mark.svg"


def register_blueprints(app: Flask) -> None:
    """Every blueprint, and what every template may ask: the product's name, a form nonce, who may
    do what, what a refusal's rule is called."""
    ids.register(app)  # before the routes: each rule picks its converter when it is added
    nul_bytes.register(app)
    for module in (auth, home, health, verify, audit, admin, chair):
        app.register_blueprint(module.bp)
    app.register_blueprint(reactions.bp)
    api.register(app)
    auth.register_login(app)
    tablet.register(app)  # after the idle check: an idled-out login is already gone
    signed_out.register(app)
    clock.register(app)
    app.add_template_global(app.config["PRODUCT_NAME"], "product_name")
    # Inline, so no icon request is still running when the next page replaces this one.
    app.add_template_global("data:image/svg+xml," + quote(MARK.read_text()), "product_mark")
    app.add_template_global(new_nonce, "form_nonce")
    app.add_template_filter(refusal_label, "refusal_label")  # a rule's class name, in words
    for check in (permissions.can_treat, permissions.can_audit, permissions.can_administer):
        app.add_template_global(check)
