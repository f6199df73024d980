"""The chair blueprint itself: who may enter, and what happens to a refused write.

Technicians only. Admin accounts configure the clinic and, like auditors, review records; a
clinic owner who also treats uses a technician login, so every session is signed by a
practitioner account (with its licence number) and whoever reviews a record did not make it.
The one exception is read-only: the stock view (`open_to`), which admins and auditors read too.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, g, request
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from smp_hygiene.errors import DomainError
from smp_hygiene.models import Role, TreatmentSession
from smp_hygiene.services.people.permissions import CHAIR_ROLES
from smp_hygiene.services.sessions import lifecycle
from smp_hygiene.views.writes import handle_refusals

bp = Blueprint("chair", __name__, url_prefix="/chair")


@bp.before_request
@login_required
def require_technician():
    """Every route here is for technicians; auditors and admins get 403, except on a read-only
    page that names more roles with `open_to` (the stock view)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if current_user.role not in getattr(view, "open_to", CHAIR_ROLES):
        raise Forbidden()


def open_to(roles: frozenset[Role]) -> Callable:
    """Mark a read-only chair page that `roles` may open too (technicians must be among them)."""

    def mark(view: Callable) -> Callable:
        view.open_to = roles  # type: ignore[attr-defined]
        return view

    return mark


def keep_if_refused(raw_input: str = "", session: TreatmentSession | None = None) -> None:
    """Name what the refusal log keeps should the next service call refuse: the raw scan or
    text the technician gave, and the session it was meant for."""
    g.refused_input, g.refused_session = raw_input, session


def record_refusal(error: DomainError) -> None:
    """The refusal log, the auditor's view of what the rules stopped at the chair. It runs after
    the refused change was rolled back, and the handler commits it on its own."""
    raw_input, session = g.get("refused_input", ""), g.get("refused_session")
    lifecycle.record_refusal(current_user, error, raw_input or "", session)


# Every chair refusal: roll back, then record_refusal in a second commit, then answer.
handle_refusals(bp, "chair.today", record=record_refusal)
