"""The reaction inbox: what clients reported from their card, triaged by an auditor."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from smp_hygiene.models import ClientPhoto, ProblemReport, ReactionSeverity
from smp_hygiene.services.reactions import inbox
from smp_hygiene.services.reactions import operations as reactions
from smp_hygiene.services.reactions.operations import ReactionInput
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.clock import ClinicTimeField
from smp_hygiene.views.forms import BaseForm, choices
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once


class LogReportForm(BaseForm):
    """The auditor's reading of the report, as an adverse reaction."""

    onset_at = ClinicTimeField("Onset (from the client's report)", validators=[DataRequired()])
    severity = SelectField(
        "Severity", choices=choices((s.value, s.value.capitalize()) for s in ReactionSeverity)
    )
    signs = TextAreaField("Signs", validators=[DataRequired()])
    actions_taken = TextAreaField("Actions taken")

    def to_input(self) -> ReactionInput:
        severity = ReactionSeverity(self.severity.data)
        return ReactionInput(self.onset_at.data, self.signs.data, severity, self.actions_taken.data)


class DismissReportForm(BaseForm):
    reason = StringField("Why this is not a reaction", validators=[DataRequired()])


@bp.get("/reactions/inbox")
def inbox_list():
    """Problems clients reported from their card, oldest first, waiting for triage."""
    return render_template("audit/inbox.html", reports=inbox.list_inbox(current_user.clinic))


@bp.get("/reactions/inbox/<int:report_id>")
def inbox_report(report_id: int):
    """One report: what the client wrote, their photos, the session, its lots and the client."""
    report = own_or_404(ProblemReport, report_id)
    form, dismiss = LogReportForm(formdata=None, signs=report.description), DismissReportForm()
    return render_template(
        "audit/inbox_report.html", report=report, form=form, dismiss=dismiss, lots=_lots(report)
    )


def _lots(report: ProblemReport):
    uses = report.session.uses
    return list({use.lot.id: use.lot for use in uses}.values()) + [
        use.diluent_lot for use in uses if use.diluent_lot is not None
    ]


@bp.post("/reactions/inbox/<int:report_id>/log")
@once
def inbox_log(report_id: int):
    """Log the report as an adverse reaction of its session (R7); the notice clock starts at the
    report's arrival (R24)."""
    report, form = own_or_404(ProblemReport, report_id), LogReportForm()
    if not form.validate_on_submit():
        flash("Give the onset and the signs to log this report.", "error")
        return redirect(url_for("audit.inbox_report", report_id=report_id))
    reaction = inbox.log_report(report, current_user, form.to_input())
    deadline = reactions.notice_deadline(reaction)
    due = f" Health-department notice due by {reactions.when(deadline, reaction.clinic.timezone)}."
    target = url_for("audit.reaction", reaction_id=reaction.id)
    return done(
        target, f"Report {report.id} logged as reaction {reaction.id}.{due if deadline else ''}"
    )


@bp.post("/reactions/inbox/<int:report_id>/dismiss")
@once
def inbox_dismiss(report_id: int):
    """Close a report that is not a reaction, with the reason."""
    report, form = own_or_404(ProblemReport, report_id), DismissReportForm()
    if not form.validate_on_submit():
        flash("Say why this report is not a reaction.", "error")
        return redirect(url_for("audit.inbox_report", report_id=report_id))
    inbox.dismiss_report(report, current_user, form.reason.data)
    return done(url_for("audit.inbox_list"), f"Report {report.id} dismissed.")


@bp.get("/photos/<int:photo_id>.jpg")
def client_photo(photo_id: int):
    """A client's photo, for the clinic's auditors and admins only; never cached."""
    photo = own_or_404(ClientPhoto, photo_id)
    headers = {"Cache-Control": "no-store", "Content-Disposition": "inline"}
    return Response(photo.jpeg, mimetype="image/jpeg", headers=headers)
