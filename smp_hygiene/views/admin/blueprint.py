"""The admin blueprint itself: its guard and its one way of answering a refused write."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from smp_hygiene.services.people.permissions import can_administer
from smp_hygiene.views.writes import handle_refusals

bp = Blueprint("admin", __name__, url_prefix="/admin")
handle_refusals(bp, "admin.settings")


@bp.before_request
@login_required
def require_admin():
    """Every route here is for admins; technicians and auditors get 403 everywhere."""
    if not can_administer(current_user):
        abort(403)
