"""Reporting an adverse reaction: open to technicians too, since /audit is not."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import ReactionSeverity, Role, TreatmentSession
from smp_hygiene.services.reactions import operations as reactions
from smp_hygiene.services.reactions.operations import ReactionInput
from smp_hygiene.views.auth import role_required

bp = Blueprint("reactions", __name__, url_prefix="/reactions")


class ReactionForm(FlaskForm):
    onset_at = DateTimeLocalField("Onset (UTC)", tz=UTC, validators=[DataRequired()])
    reported_at = DateTimeLocalField(
        "When the clinic learned of it (UTC; empty = now)", tz=UTC, validators=[Optional()]
    )
    severity = SelectField(
        "Severity", choices=[SelectChoice(s.value, s.value.capitalize()) for s in ReactionSeverity]
    )
    signs = TextAreaField("Signs", validators=[DataRequired()])
    actions_taken = TextAreaField("Actions taken")

    def to_input(self) -> ReactionInput:
        return ReactionInput(
            onset_at=self.onset_at.data,
            reported_at=self.reported_at.data,
            severity=ReactionSeverity(self.severity.data),
            signs=self.signs.data,
            actions_taken=self.actions_taken.data or "",
        )


def _session_or_404() -> TreatmentSession:
    session = db.session.get(TreatmentSession, request.args.get("session", type=int) or 0)
    if session is None or session.clinic_id != current_user.clinic_id:
        abort(404)
    return session


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.TECHNICIAN, Role.AUDITOR, Role.ADMIN)
def new():
    """Log a reaction against one session of the user's clinic (R7)."""
    session, form = _session_or_404(), ReactionForm()
    if not form.validate_on_submit():
        return render_template("reactions/new.html", session=session, form=form)
    try:
        reaction = reactions.log_reaction(session, current_user, form.to_input())
    except DomainError as error:
        flash(str(error), "error")
        return render_template("reactions/new.html", session=session, form=form), 422
    db.session.commit()
    deadline = reactions.notice_deadline(reaction)
    due = f" Health-department notice due by {reactions.when(deadline)}." if deadline else ""
    flash(f"Reaction {reaction.id} logged.{due}", "success")
    if current_user.role is Role.TECHNICIAN:
        return redirect(url_for("chair.show", session_id=session.id))
    return redirect(url_for("audit.reaction", reaction_id=reaction.id))
