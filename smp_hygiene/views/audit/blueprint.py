"""The auditor's blueprint: who may enter, and the one place a refused write is answered."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from smp_hygiene.services.people.permissions import AUDIT_ROLES
from smp_hygiene.views.writes import handle_refusals

bp = Blueprint("audit", __name__, url_prefix="/audit")

handle_refusals(bp, "audit.dashboard")


@bp.before_request
@login_required
def require_auditor():
    """Every route here is for auditors and admins; technicians get 403 everywhere."""
    if current_user.role not in AUDIT_ROLES:
        raise Forbidden()
