"""Scheduling aftercare check-ins at completion, their reminders, and the client's opt-out.

With mail configured (MAIL_FROM, PUBLIC_BASE_URL), each check-in of a client with an email
address gets an outbox row due on the check-in's day, sent by the background worker (or by
`flask notifications send`). Otherwise, or without an address, the check-in is listed on Today
for the clinic to send by hand. A client who declines check-ins has it recorded on their consent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    Clinic,
    Consent,
    FollowUp,
    FollowUpStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
    TreatmentSession,
    User,
)
from smp_hygiene.services.aftercare.settings import settings_for
from smp_hygiene.services.audit import chain
from smp_hygiene.services.notifications import mailer, outbox, queueing
from smp_hygiene.services.people import permissions
from smp_hygiene.timeutil import utcnow

# A check-in can be answered for two weeks after it falls due; a reminder is worth sending by
# hand for three days (after that, the next check-in or the next session takes over).
OPEN_DAYS = 14
REMIND_DAYS = 3


def latest_consent(client: Client) -> Consent | None:
    """The client's most recent signed consent: where their aftercare choice is recorded."""
    return db.session.scalars(
        select(Consent).where(Consent.client_id == client.id).order_by(Consent.signed_at.desc())
    ).first()


def has_declined(client: Client) -> bool:
    consent = latest_consent(client)
    return consent is not None and consent.follow_ups_declined_at is not None


def mail_configured() -> bool:
    """Whether this instance can email clients at all (a sender and a public address)."""
    try:
        mailer.MailSettings.from_config(current_app.config)
    except mailer.MailNotConfigured:
        return False
    return True


def schedule_follow_ups(session: TreatmentSession, actor: User) -> list[FollowUp]:
    """One check-in per clinic follow-up day after completion, unless the client declined."""
    if has_declined(session.client) or session.completed_at is None:
        return []
    days = settings_for(session.clinic).days
    follow_ups = [
        FollowUp(
            clinic_id=session.clinic_id,
            session_id=session.id,
            day=day,
            due_at=session.completed_at + timedelta(days=day),
        )
        for day in days
    ]
    db.session.add_all(follow_ups)
    emailed = mail_configured() and outbox.has_address(session.client)
    if emailed:
        _queue_reminders(follow_ups, session, actor)
    after = {"days": days, "reminders": "email" if emailed else "listed for the clinic"}
    chain.record(actor, "follow_ups.scheduled", session, after=after)
    return follow_ups


def _queue_reminders(follow_ups: list[FollowUp], session: TreatmentSession, actor: User) -> None:
    db.session.flush()
    notices = [
        Notification(
            clinic_id=session.clinic_id,
            client_id=session.client_id,
            kind=NotificationKind.FOLLOW_UP,
            subject_id=follow_up.id,
            next_attempt_at=follow_up.due_at,
            created_by_id=actor.id,
        )  # fmt: skip
        for follow_up in follow_ups
    ]
    db.session.add_all(notices)
    for notice in notices:
        chain.record(actor, "notification.queued", notice)
    queueing.schedule_after_commit((n.id, n.next_attempt_at or utcnow()) for n in notices)


def is_open(follow_up: FollowUp, now: datetime) -> bool:
    """Answerable now: scheduled, due, and not more than OPEN_DAYS past its day."""
    return (
        follow_up.status is FollowUpStatus.SCHEDULED
        and follow_up.due_at <= now < follow_up.due_at + timedelta(days=OPEN_DAYS)
    )


def decline_follow_ups(session: TreatmentSession, now: datetime | None = None) -> int:
    """The client opted out from a check-in's link: recorded on their consent, every pending
    check-in and its email cancelled. Returns how many check-ins were cancelled."""
    now = now or utcnow()
    consent = latest_consent(session.client)
    if consent is not None and consent.follow_ups_declined_at is None:
        before = {"follow_ups_declined_at": None}
        consent.follow_ups_declined_at = now
        after = {"follow_ups_declined_at": now}
        chain.record(None, "consent.follow_ups_declined", consent, before=before, after=after)
    pending = db.session.scalars(
        select(FollowUp)
        .join(TreatmentSession, FollowUp.session_id == TreatmentSession.id)
        .where(
            TreatmentSession.client_id == session.client_id,
            FollowUp.status == FollowUpStatus.SCHEDULED,
        )
    ).all()
    for follow_up in pending:
        follow_up.status = FollowUpStatus.CANCELLED
        chain.record(None, "follow_up.cancelled", follow_up)
    _cancel_notices([f.id for f in pending])
    return len(pending)


def _cancel_notices(follow_up_ids: list[int]) -> None:
    queued = db.session.scalars(
        select(Notification).where(
            Notification.kind == NotificationKind.FOLLOW_UP,
            Notification.subject_id.in_(follow_up_ids),
            Notification.status == NotificationStatus.QUEUED,
        )
    )
    for notice in queued:
        before = chain.snapshot(notice)
        notice.status, notice.last_error = NotificationStatus.CANCELLED, "the client opted out"
        chain.record(None, "notification.cancelled", notice, before=before)


def reminders_to_send(clinic: Clinic, now: datetime | None = None) -> list[FollowUp]:
    """Check-ins due in the last REMIND_DAYS that no email carries: for the clinic to send."""
    now = now or utcnow()
    emailed = select(Notification.subject_id).where(
        Notification.kind == NotificationKind.FOLLOW_UP, Notification.clinic_id == clinic.id
    )
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(
                FollowUp.clinic_id == clinic.id,
                FollowUp.status == FollowUpStatus.SCHEDULED,
                FollowUp.reminded_at.is_(None),
                FollowUp.due_at <= now,
                FollowUp.due_at > now - timedelta(days=REMIND_DAYS),
                FollowUp.id.not_in(emailed),
            )
            .options(selectinload(FollowUp.session).selectinload(TreatmentSession.client))
            .order_by(FollowUp.due_at, FollowUp.id)
        )
    )


def mark_reminded(follow_up: FollowUp, actor: User, now: datetime | None = None) -> None:
    """Someone at the clinic sent this check-in's link by hand (text, phone, email)."""
    permissions.require(
        actor.clinic_id == follow_up.clinic_id, "This check-in belongs to another clinic."
    )
    if follow_up.reminded_at is not None:
        return  # a second tap changes nothing
    before = chain.snapshot(follow_up)
    follow_up.reminded_at, follow_up.reminded_by_id = now or utcnow(), actor.id
    chain.record(actor, "follow_up.reminded", follow_up, before=before)
