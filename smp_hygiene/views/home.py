"""The landing page sends each role to its own workspace."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from smp_hygiene.services.people.permissions import can_administer, can_audit, can_treat

bp = Blueprint("home", __name__)

# First match wins. Admins land on the clinic settings before the audit dashboard they may also
# read: the admin workspace is the only place their own tasks (settings, people, consent forms,
# keys) live, while the audit dashboard is one link away.
_WORKSPACES = (
    (can_treat, "chair.today"),
    (can_administer, "admin.settings"),
    (can_audit, "audit.dashboard"),
)


@bp.get("/")
@login_required
def index():
    """Open the workspace of the signed-in user's role."""
    endpoint = next(endpoint for allowed, endpoint in _WORKSPACES if allowed(current_user))
    return redirect(url_for(endpoint))
