"""Reprinting a session's verification card."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from smp_hygiene.models import TreatmentSession
from smp_hygiene.services.verification import tokens as verification
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.admin.forms import CardReplacementForm, submitted
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once


@bp.get("/sessions/<int:session_id>/card")
def card(session_id: int):
    """Show the session's current card and offer to replace it."""
    session = own_or_404(TreatmentSession, session_id)
    return render_template(
        "admin/card.html",
        session=session,
        card=verification.current_card(session),
        form=CardReplacementForm(formdata=None),
    )


@bp.post("/sessions/<int:session_id>/card/replace")
@once
def replace_card(session_id: int):
    """Issue a new card; the old token then shows only "this card was replaced"."""
    session = own_or_404(TreatmentSession, session_id)
    form = submitted(CardReplacementForm())
    verification.rotate_verification_token(session, current_user, form.reason.data)
    message = "A new card was issued. The old card now says it was replaced."
    return done(url_for("admin.card", session_id=session.id), message)
