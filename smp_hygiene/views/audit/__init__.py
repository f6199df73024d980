"""The auditor's workspace: one blueprint, its routes split by subject into sibling modules."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from smp_hygiene.models import Role

bp = Blueprint("audit", __name__, url_prefix="/audit")

AUDIT_ROLES = (Role.AUDITOR, Role.ADMIN)


@bp.before_request
@login_required
def require_auditor():
    """Every route here is for auditors and admins; technicians get 403 everywhere."""
    if current_user.role not in AUDIT_ROLES:
        raise Forbidden()


# Route modules attach themselves to `bp`; import them last.
from smp_hygiene.views.audit import dashboard  # noqa: E402, F401

# isort: split
from smp_hygiene.views.audit import recalls, traceability  # noqa: E402, F401

# isort: split
from smp_hygiene.views.audit import sterilisation, sterilisation_packs  # noqa: E402, F401

# isort: split
from smp_hygiene.views.audit import log, reactions  # noqa: E402, F401

# isort: split
from smp_hygiene.views.audit import sessions  # noqa: E402, F401

# isort: split
from smp_hygiene.views.audit import sterilisation_cycles  # noqa: E402, F401

# isort: split
from smp_hygiene.views.audit import dashboard_csv, sterilisation_csv  # noqa: E402, F401
