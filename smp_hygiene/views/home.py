"""The landing page sends each role to its own workspace."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from smp_hygiene.models import Role

bp = Blueprint("home", __name__)

_WORKSPACE = {
    Role.TECHNICIAN: "chair.today",
    Role.AUDITOR: "audit.dashboard",
    Role.ADMIN: "audit.dashboard",
}


@bp.get("/")
@login_required
def index():
    """Open the workspace of the signed-in user's role."""
    endpoint = _WORKSPACE[current_user.role]
    try:
        return redirect(url_for(endpoint))
    except Exception:  # noqa: BLE001  the workspace blueprint may not be installed yet
        return redirect(url_for("home.placeholder"))


@bp.get("/welcome")
@login_required
def placeholder():
    """Shown while a role's workspace is not built."""
    return render_template("welcome.html")
