"""One notice's delivery: claim it, then record what the mail server said, or try again later.

Exactly one message per client rests on the row: a worker sends only a row it moved from
`queued` to `sending` itself (one atomic UPDATE, so two workers never both send), and the claim
is committed before anything leaves. A worker killed after the server accepted the message but
before it recorded `sent` leaves a `sending` row; once its claim is older than
NOTIFY_CLAIM_TIMEOUT_SECONDS it is sent again with the same Message-ID, which mail systems
use to drop the duplicate. That window (a few milliseconds per message) is the one left.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy import func, or_, select, update

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    ClientNotification,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.notifications.mailer import DeliveryError

MAX_ATTEMPTS = 5
RETRY_MINUTES = (1, 5, 25, 125)  # after the 1st, 2nd, 3rd and 4th failed try
INTERRUPTED = "interrupted while sending: sent again with the same Message-ID"


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try before the next one."""
    return timedelta(minutes=RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1])


def due_ids(now: datetime, limit: int = 1000) -> list[int]:
    """Queued notices whose (next) try is due, oldest first."""
    return list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.status == NotificationStatus.QUEUED,
                or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
            )
            .order_by(Notification.id)
            .limit(limit)
        )
    )


def claim(
    notification_id: int, now: datetime, domain: str = "smp-hygiene.invalid"
) -> Notification | None:
    """Take a due notice for sending, or None if it is not due or another worker has it."""
    claimed = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == NotificationStatus.QUEUED,
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        )
        .values(
            status=NotificationStatus.SENDING,
            claimed_at=now,
            attempts=Notification.attempts + 1,
            message_id=func.coalesce(Notification.message_id, f"<{uuid4().hex}@{domain}>"),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(Notification, notification_id, populate_existing=True)


def record_sent(notification: Notification, now: datetime) -> None:
    """The server accepted the message: done, and for a recall the client counts as told."""
    before = chain.snapshot(notification)
    notification.status, notification.sent_at, notification.last_error = (
        NotificationStatus.SENT, now, ""
    )  # fmt: skip
    chain.record(None, "notification.sent", notification, before=before)
    if notification.kind is NotificationKind.RECALL:
        told = ClientNotification(
            recall_id=notification.subject_id,
            client_id=notification.client_id,
            channel=NotificationChannel.EMAIL,
            notified_at=now,
            notified_by_id=notification.created_by_id,
            note=f"Email sent automatically ({notification.message_id})",
        )
        db.session.add(told)
        chain.record(None, "recall.client_notified", told)


def record_failure(notification: Notification, error: DeliveryError, now: datetime) -> bool:
    """Bounced, failed for good, or queued again after a back-off; True if it will be retried."""
    before = chain.snapshot(notification)
    notification.last_error = error.summary
    if error.bounced:
        notification.status = NotificationStatus.BOUNCED
    elif error.permanent or notification.attempts >= MAX_ATTEMPTS:
        notification.status = NotificationStatus.FAILED
    else:
        notification.status = NotificationStatus.QUEUED
        notification.next_attempt_at = now + retry_delay(notification.attempts)
    chain.record(None, f"notification.{_verb(notification.status)}", notification, before=before)
    return notification.status is NotificationStatus.QUEUED


def _verb(status: NotificationStatus) -> str:
    return "retry_scheduled" if status is NotificationStatus.QUEUED else status.value


def reclaim_stale(now: datetime, older_than: timedelta) -> list[int]:
    """Queue again the notices whose worker died while sending (a claim older than
    `older_than`); out of tries, they fail instead. Returns the ids queued again."""
    stale = db.session.scalars(
        select(Notification).where(
            Notification.status == NotificationStatus.SENDING,
            Notification.claimed_at < now - older_than,
        )
    ).all()
    for notification in stale:
        before = chain.snapshot(notification)
        notification.last_error = INTERRUPTED
        if notification.attempts >= MAX_ATTEMPTS:
            notification.status = NotificationStatus.FAILED
        else:
            notification.status, notification.next_attempt_at = NotificationStatus.QUEUED, now
        chain.record(None, "notification.interrupted", notification, before=before)
    return [n.id for n in stale if n.status is NotificationStatus.QUEUED]
