"""The compliance dashboard (placeholder until the auditor's workspace lands)."""

from __future__ import annotations

from flask import render_template

from smp_hygiene.views.audit import bp


@bp.get("/")
def dashboard():
    """Entry page of the auditor's workspace."""
    return render_template("audit/dashboard.html")
