"""The outbox of emails to clients: one row per client per recall, sterilisation failure or
aftercare check-in.

The row, not the queue, is the truth: the queue carries only row ids, a worker claims a row before
sending, and the unique key makes a second notice for the same event impossible.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.people import Client, User
from smp_hygiene.timeutil import utcnow


class NotificationKind(enum.StrEnum):
    RECALL = "recall"  # subject: a Recall
    STERILISATION_FAILURE = "sterilisation_failure"  # subject: a positive spore test
    FOLLOW_UP = "follow_up"  # subject: an aftercare FollowUp, sent when it falls due


class NotificationStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its first try, or for a retry at next_attempt_at
    SENDING = "sending"  # claimed by a worker at claimed_at
    SENT = "sent"  # the mail server accepted it
    BOUNCED = "bounced"  # the mail server refused the address for good
    FAILED = "failed"  # given up: refused for good, or out of tries
    CANCELLED = "cancelled"  # no longer wanted before it was sent (the client opted out)

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = (
    NotificationStatus.SENT,
    NotificationStatus.BOUNCED,
    NotificationStatus.FAILED,
    NotificationStatus.CANCELLED,
)


class Notification(Model):
    """One email to one client about one event, and how its delivery went."""

    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "client_id", name="uq_notification_once"),
        Index("ix_notification_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_type(NotificationKind))
    subject_id: Mapped[int]  # the recall's or the spore test's id, as `kind` says
    status: Mapped[NotificationStatus] = mapped_column(
        enum_type(NotificationStatus), default=NotificationStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What went wrong, in our words and the server's code: never the address or the message.
    last_error: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Fixed at the first claim and reused by every retry, so a resend is recognisably the same.
    message_id: Mapped[str | None] = mapped_column(String(250))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    client: Mapped[Client] = relationship()
    created_by: Mapped[User] = relationship()
