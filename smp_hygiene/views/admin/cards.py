"""Reprinting a session's verification card."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import Role, TreatmentSession
from smp_hygiene.services.verification import tokens as verification
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.auth import role_required
from smp_hygiene.views.loading import own_or_404


def _session_of_my_clinic(session_id: int) -> TreatmentSession:
    return own_or_404(TreatmentSession, session_id)


@bp.get("/sessions/<int:session_id>/card")
@role_required(Role.ADMIN)
def card(session_id: int):
    """Show the session's current card and offer to replace it."""
    session = _session_of_my_clinic(session_id)
    return render_template(
        "admin/card.html", session=session, card=verification.current_card(session)
    )


@bp.post("/sessions/<int:session_id>/card/replace")
@role_required(Role.ADMIN)
def replace_card(session_id: int):
    """Issue a new card; the old token then shows only "this card was replaced"."""
    session = _session_of_my_clinic(session_id)
    try:
        verification.rotate_verification_token(
            session, current_user, request.form.get("reason", "")
        )
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("A new card was issued. The old card now says it was replaced.", "success")
    return redirect(url_for("admin.card", session_id=session.id))
