"""The job that sends one notice, run by the RQ worker or inline by `flask notifications send`.

Like a view, it is an edge: it commits. The claim (with its Message-ID) is committed before
the message leaves, and nothing holds a transaction open while the mail server is talked to
(on SQLite a transaction outside a request holds the one write lock).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from smp_hygiene.extensions import db
from smp_hygiene.services.notifications import (
    delivery,
    mailer,
    messages,
    outbox,
    queueing,
)
from smp_hygiene.timeutil import utcnow


def deliver(notification_id: int) -> str:
    """The RQ job: send one notice, then drop the session, so the next job reads afresh."""
    try:
        return send_one(notification_id)
    finally:
        db.session.remove()


def send_one(notification_id: int) -> str:
    """Send one notice if it is still due; returns its status afterwards (or "skipped")."""
    settings = mailer.MailSettings.from_config(current_app.config)
    notification = delivery.claim(notification_id, utcnow(), settings.sender.rpartition("@")[2])
    if notification is None:
        db.session.rollback()
        return "skipped"
    try:
        if not outbox.has_address(notification.client):
            raise mailer.DeliveryError("the client has no email address now", permanent=True)
        message = messages.compose(notification, settings.sender, _base_url())
        db.session.commit()  # claimed for good before anything leaves
        mailer.send(message, settings)
    except mailer.DeliveryError as error:
        retry = delivery.record_failure(notification, error, utcnow())
        db.session.commit()
        if retry and notification.next_attempt_at is not None:
            queueing.enqueue([notification_id], at=notification.next_attempt_at)
        return notification.status.value
    delivery.record_sent(notification, utcnow())
    db.session.commit()
    return notification.status.value


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def sweep() -> tuple[list[int], list[int]]:
    """Queue again notices whose worker died mid-send, then list every due notice; commits."""
    timeout = timedelta(seconds=current_app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"])
    requeued = delivery.reclaim_stale(utcnow(), timeout)
    db.session.commit()
    due = delivery.due_ids(utcnow())
    db.session.rollback()  # end the read: nothing may hold SQLite's write lock while sending
    return requeued, due
