"""The admin's workspace: clinic settings, checklist, consent forms, logins, keys and cards.

One blueprint; its routes are split by subject into sibling modules.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from smp_hygiene.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    """Every route here is for admins; technicians and auditors get 403 everywhere."""
    if current_user.role is not Role.ADMIN:
        raise Forbidden()


# Route modules attach themselves to `bp`; import them last.
from smp_hygiene.views.admin import (  # noqa: E402, F401
    cards,
    checklist,
    consent_forms,
    settings,
    signing_keys,
    staff,
)
