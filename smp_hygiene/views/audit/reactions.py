"""Adverse reactions for the auditor: list, report (HTML, PDF, CSV) and the authority notice."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired

from smp_hygiene.csvexport import csv_response
from smp_hygiene.models import AdverseReaction
from smp_hygiene.pdf import pdf_response
from smp_hygiene.services.reactions import operations as reactions
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.clock import ClinicTimeField
from smp_hygiene.views.forms import BaseForm
from smp_hygiene.views.ids import page_number
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once

LIST_HEADER = ["reaction", "reported_at", "onset_at", "severity", "status", "session",
               "client", "practitioner", "signs", "notice_due_by", "reported_to_authority_at",
               "authority_reference"]  # fmt: skip


class NoticeForm(BaseForm):
    """When the health department was told, and its reference."""

    sent_at = ClinicTimeField("Notice sent", validators=[DataRequired()])
    reference = StringField("Health department reference", validators=[DataRequired()])


def _fmt(moment) -> str:
    return reactions.when(moment) if moment else ""


def _list_row(reaction: AdverseReaction) -> list:
    session = reaction.session
    return [reaction.id, _fmt(reaction.reported_at), _fmt(reaction.onset_at),
            reaction.severity.value, reaction.status.value, session.id,
            session.client.full_name, session.technician.name, reaction.signs,
            _fmt(reactions.notice_deadline(reaction)), _fmt(reaction.reported_to_authority_at),
            reaction.authority_reference]  # fmt: skip


@bp.get("/reactions", endpoint="reactions")
def reactions_list():
    """Every reaction of the clinic, newest first, with possible batch problems on top."""
    page = reactions.list_reactions(
        current_user.clinic, request.args.get("page", 1, type=page_number)
    )
    problems = reactions.batch_problem_lots(current_user.clinic)
    return render_template(
        "audit/reactions.html", page=page, problems=problems, now=utcnow(), reactions=reactions
    )


@bp.get("/reactions.csv")
def reactions_csv():
    """The clinic's reactions as CSV."""
    rows = (_list_row(r) for r in reactions.all_reactions(current_user.clinic))
    return csv_response("reactions.csv", LIST_HEADER, rows)


@bp.get("/reactions/<int:reaction_id>")
def reaction(reaction_id: int):
    """One reaction's report, with the form to record the health-department notice."""
    report = reactions.reaction_report(own_or_404(AdverseReaction, reaction_id))
    return render_template("audit/reaction.html", report=report, form=NoticeForm())


@bp.post("/reactions/<int:reaction_id>/notice")
@once
def reaction_notice(reaction_id: int):
    """Record that the health department was notified (R24)."""
    reaction, form = own_or_404(AdverseReaction, reaction_id), NoticeForm()
    if not form.validate_on_submit():
        flash("Give the date the notice was sent and the department's reference.", "error")
        return redirect(url_for("audit.reaction", reaction_id=reaction_id))
    reactions.record_authority_notice(
        reaction, current_user, form.sent_at.data, form.reference.data
    )
    return done(
        url_for("audit.reaction", reaction_id=reaction_id),
        f"Health-department notice recorded for reaction {reaction.id}.",
    )


@bp.get("/reactions/<int:reaction_id>/report.pdf")
def reaction_pdf(reaction_id: int):
    """The reaction report as a PDF, for the health department or ANSM."""
    report = reactions.reaction_report(own_or_404(AdverseReaction, reaction_id))
    return pdf_response(f"reaction-{reaction_id}.pdf", "audit/reaction_pdf.html", report=report)


@bp.get("/reactions/<int:reaction_id>/report.csv")
def reaction_csv(reaction_id: int):
    """The reaction report as CSV: one row per fact, lot, checklist item and patch test."""
    report = reactions.reaction_report(own_or_404(AdverseReaction, reaction_id))
    header = ["section", "item", "value", "detail"]
    return csv_response(f"reaction-{reaction_id}.csv", header, report_rows(report))


def report_rows(report: reactions.ReactionReport) -> list[list]:
    reaction, session = report.reaction, report.session
    rows = [
        ["clinic", "name", session.clinic.name, session.clinic.address],
        ["reaction", "id", reaction.id, reaction.severity.value],
        ["reaction", "onset", _fmt(reaction.onset_at), ""],
        ["reaction", "clinic learned of it", _fmt(reaction.reported_at), reaction.reported_by.name],
        ["reaction", "signs", reaction.signs, ""],
        ["reaction", "actions taken", reaction.actions_taken, ""],
        ["reaction", "notice due by", _fmt(report.notice_due_at), ""],
        ["reaction", "notice sent", _fmt(reaction.reported_to_authority_at),
         reaction.authority_reference],
        ["session", "id", session.id, session.status.value],
        ["session", "started", _fmt(session.started_at), session.treated_area],
        ["session", "client", session.client.full_name, session.client.date_of_birth],
        ["practitioner", session.technician.name, session.technician.licence_number, ""],
    ]  # fmt: skip
    rows += [["lot", role, lot.lot_number, f"{lot.product.title}, {lot.status.value}"]
             for role, lot in report.lots]  # fmt: skip
    rows += [["checklist", a.item_text, "done", _fmt(a.answered_at)] for a in report.checklist]
    rows += [["checklist", text, "not answered", ""] for text in report.checklist_missing]
    rows += [["patch test", t.id, t.result.value if t.result else "not read", _fmt(t.read_at)]
             for t in report.patch_tests]  # fmt: skip
    rows += [["override", o.code, o.reason, o.message] for o in report.overrides]
    rows.append(["audit chain", "status", "intact" if report.chain.ok else "BROKEN",
                 report.chain.problem])  # fmt: skip
    return rows
