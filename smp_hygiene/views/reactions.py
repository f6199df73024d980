"""Reporting an adverse reaction: open to technicians too, since /audit is not."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Optional

from smp_hygiene.errors import DomainError
from smp_hygiene.models import AdverseReaction, ReactionSeverity, TreatmentSession
from smp_hygiene.services.people.permissions import AUDIT_ROLES, CHAIR_ROLES, can_treat
from smp_hygiene.services.reactions import operations as reactions
from smp_hygiene.services.reactions.operations import ReactionInput
from smp_hygiene.views.auth import role_required
from smp_hygiene.views.clock import ClinicTimeField
from smp_hygiene.views.forms import BaseForm, choices
from smp_hygiene.views.ids import record_id
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, handle_refusals, once, refusal_page

bp = Blueprint("reactions", __name__, url_prefix="/reactions")
handle_refusals(bp, "home.index")


class ReactionForm(BaseForm):
    """What happened and when; the service checks the dates against the session."""

    onset_at = ClinicTimeField("Onset", validators=[DataRequired()])
    reported_at = ClinicTimeField(
        "When the clinic learned of it (empty = now)", validators=[Optional()]
    )
    severity = SelectField(
        "Severity", choices=choices((s.value, s.value.capitalize()) for s in ReactionSeverity)
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


def _session() -> TreatmentSession:
    """The session named by `?session=`, if it is one of the user's clinic; 404 otherwise."""
    return own_or_404(TreatmentSession, request.args.get("session", type=record_id) or 0)


def _page(form: ReactionForm, status: int = 200):
    return render_template("reactions/new.html", session=_session(), form=form), status


def _reaction_refused(error: DomainError):
    flash(str(error), "error")
    return _page(ReactionForm(), 422)


def _logged(reaction: AdverseReaction) -> tuple[str, str]:
    """Where the reporter goes next (technicians back to the chair) and what they are told."""
    deadline = reactions.notice_deadline(reaction)
    zone = reaction.clinic.timezone
    due = f" Health-department notice due by {reactions.when(deadline, zone)}." if deadline else ""
    if can_treat(current_user):
        target = url_for("chair.show", session_id=reaction.session.id)
    else:
        target = url_for("audit.reaction", reaction_id=reaction.id)
    return target, f"Reaction {reaction.id} logged.{due}"


@bp.route("/new", methods=["GET", "POST"])
@refusal_page(_reaction_refused)
@role_required(*CHAIR_ROLES, *AUDIT_ROLES)
@once
def new():
    """Log a reaction against one session of the user's clinic (R7)."""
    session, form = _session(), ReactionForm()
    if not form.validate_on_submit():
        return _page(form)
    reaction = reactions.log_reaction(session, current_user, form.to_input())
    return done(*_logged(reaction))
