"""The technician's chair: one blueprint, its routes split by subject into sibling modules.

Technicians only. Admin accounts configure the clinic and, like auditors, review records; a
clinic owner who also treats uses a technician login, so every session is signed by a
practitioner account (with its licence number) and whoever reviews a record did not make it.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from smp_hygiene.models import Role

bp = Blueprint("chair", __name__, url_prefix="/chair")

CHAIR_ROLES = (Role.TECHNICIAN,)


@bp.before_request
@login_required
def require_technician():
    """Every route here is for technicians; auditors and admins get 403 everywhere."""
    if current_user.role not in CHAIR_ROLES:
        raise Forbidden()


# Route modules attach themselves to `bp`; import them last.
from smp_hygiene.views.chair import (  # noqa: E402, F401
    clients,
    consent,
    patch_tests,
    receiving,
    sessions,
    today,
)
