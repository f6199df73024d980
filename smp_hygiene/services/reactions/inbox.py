"""The reaction inbox: problems clients report from their card, until an auditor triages them.

A report needs no account: the card's token names the session, and nothing is shown back but a
thank-you. An auditor logs it as an adverse reaction (linked to the session and so to every lot
it used, R7), whose health-department deadline runs from when the report arrived (R24), or
dismisses it with the reason. Each step is audited.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    ClientPhoto,
    Clinic,
    ProblemReport,
    ProblemReportStatus,
    TreatmentSession,
    User,
)
from smp_hygiene.services.aftercare.photos import clean_photos
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions
from smp_hygiene.services.reactions import operations
from smp_hygiene.services.reactions.operations import ReactionInput
from smp_hygiene.timeutil import local_date, utcnow

MAX_DESCRIPTION = 4000


class ReportClosed(InvalidInput):
    """The report was already triaged: logged or dismissed, once."""

    label = "Report already triaged"
    http_status = 409


def submit_report(
    session: TreatmentSession,
    description: str,
    started_on: date,
    nonce: str,
    uploads: list[tuple[str, bytes]] | None = None,
    now: datetime | None = None,
) -> ProblemReport:
    """File the client's report in the clinic's inbox, with their photos cleaned of EXIF and
    location; the same form sent twice files it once."""
    now = now or utcnow()
    earlier = db.session.scalar(select(ProblemReport).filter_by(form_nonce=nonce))
    if earlier is not None and earlier.session_id == session.id:
        return earlier
    _check(session, description, started_on, now)
    photos = clean_photos(uploads or [])
    report = ProblemReport(
        clinic_id=session.clinic_id, session_id=session.id, description=description.strip(),
        started_on=started_on, received_at=now, form_nonce=nonce,
    )  # fmt: skip
    db.session.add(report)
    chain.record(None, "problem_report.received", report)
    for photo in photos:
        kept = ClientPhoto(
            clinic_id=session.clinic_id, report_id=report.id, jpeg=photo.jpeg,
            width=photo.width, height=photo.height, sha256=photo.sha256,
        )  # fmt: skip
        db.session.add(kept)
        after = {"report_id": report.id, "sha256": kept.sha256, "width": kept.width}
        chain.record(None, "client_photo.received", kept, after=after)
    return report


def _check(session: TreatmentSession, description: str, started_on: date, now: datetime) -> None:
    if not description.strip():
        raise InvalidInput("Describe the problem: what you see or feel, and where.")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"Please keep the description under {MAX_DESCRIPTION} characters.")
    zone = session.clinic.timezone
    if started_on > local_date(now, zone):
        raise InvalidInput("The day it started cannot be in the future.")
    if started_on < local_date(session.started_at, zone):
        raise InvalidInput("The day it started is before the treatment: check the date.")


def list_inbox(clinic: Clinic) -> list[ProblemReport]:
    """Reports not yet triaged, oldest first: the oldest is nearest its notice deadline."""
    return list(
        db.session.scalars(
            select(ProblemReport)
            .where(
                ProblemReport.clinic_id == clinic.id,
                ProblemReport.status == ProblemReportStatus.NEW,
            )
            .options(selectinload(ProblemReport.session).selectinload(TreatmentSession.client))
            .order_by(ProblemReport.received_at, ProblemReport.id)
        )
    )


def _triage(report: ProblemReport, auditor: User) -> None:
    permissions.require(
        permissions.can_audit(auditor) and auditor.clinic_id == report.clinic_id,
        "Only the clinic's auditors and admins can triage reported problems.",
    )
    if report.status is not ProblemReportStatus.NEW:
        raise ReportClosed(f"Report {report.id} was already {report.status.value}.")


def log_report(report: ProblemReport, auditor: User, data: ReactionInput) -> AdverseReaction:
    """Log the report as an adverse reaction; the clinic learned of it when the report came."""
    _triage(report, auditor)
    before = chain.snapshot(report)
    learned = ReactionInput(
        data.onset_at, data.signs, data.severity, data.actions_taken, report.received_at
    )
    reaction = operations.log_reaction(report.session, auditor, learned)
    report.status, report.reaction = ProblemReportStatus.LOGGED, reaction
    report.triaged_by, report.triaged_at = auditor, utcnow()
    chain.record(auditor, "problem_report.logged", report, before=before)
    return reaction


def dismiss_report(report: ProblemReport, auditor: User, reason: str) -> None:
    """Not a reaction (a question, a duplicate): closed with the reason, still on record."""
    _triage(report, auditor)
    if not reason.strip():
        raise InvalidInput("Say why this report is not a reaction.")
    before = chain.snapshot(report)
    report.status, report.triage_note = ProblemReportStatus.DISMISSED, reason.strip()
    report.triaged_by, report.triaged_at = auditor, utcnow()
    chain.record(auditor, "problem_report.dismissed", report, before=before)


def report_for_reaction(reaction: AdverseReaction) -> ProblemReport | None:
    """The client's own report a reaction was logged from, if any (its photos go with it)."""
    return db.session.scalar(select(ProblemReport).filter_by(reaction_id=reaction.id))
