"""The landing page sends each role to its own workspace."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from smp_hygiene.models import Role

bp = Blueprint("home", __name__)

# Admins land on the clinic settings: the admin workspace is the only place their own tasks
# (settings, people, consent forms, keys) live, while the audit dashboard is one link away.
_WORKSPACE = {
    Role.TECHNICIAN: "chair.today",
    Role.AUDITOR: "audit.dashboard",
    Role.ADMIN: "admin.settings",
}


@bp.get("/")
@login_required
def index():
    """Open the workspace of the signed-in user's role."""
    return redirect(url_for(_WORKSPACE[current_user.role]))
