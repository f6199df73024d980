"""After the chair: the clinic's aftercare settings and the check-ins a client answers (R22).

A follow-up is scheduled at completion for each of the clinic's days (3, 7 and 28 by default,
the healing and next-session timeline of R26). The client answers it from a link on the card;
answers that suggest a problem are kept as the flag's reasons until someone at the clinic has
called the client.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.people import Clinic, User
from smp_hygiene.models.sessions import TreatmentSession
from smp_hygiene.timeutil import utcnow


class AftercareSettings(Model):
    """A clinic's follow-up days and early-warning thresholds; without a row, the defaults."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), unique=True)
    # Days after the session, comma-separated: healing (3), first week (7), next session (28).
    follow_up_days: Mapped[str] = mapped_column(String(60), default="3,7,28")
    # Itching is expected while the skin heals (R26: at least five days); past that, a flag.
    itching_flag_days: Mapped[int] = mapped_column(default=5)
    # Early warning: this many reactions on one lot (or one product) within the window.
    lot_signal_threshold: Mapped[int] = mapped_column(default=2)
    # None: no product-wide signal. No column default: SQLAlchemy would put it in place of None;
    # a new clinic's figures come from services/aftercare/settings.DEFAULTS.
    product_signal_threshold: Mapped[int | None]
    signal_window_days: Mapped[int] = mapped_column(default=30)

    clinic: Mapped[Clinic] = relationship()

    @property
    def days(self) -> list[int]:
        return sorted({int(part) for part in self.follow_up_days.split(",") if part.strip()})


class FollowUpStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    ANSWERED = "answered"
    CANCELLED = "cancelled"  # the client opted out


class FollowUp(Model):
    """One aftercare check-in of one session, due `day` days after it was completed."""

    __table_args__ = (
        UniqueConstraint("session_id", "day"),
        Index("ix_follow_up_clinic_due", "clinic_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    day: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[FollowUpStatus] = mapped_column(
        enum_type(FollowUpStatus), default=FollowUpStatus.SCHEDULED
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    has_redness: Mapped[bool] = mapped_column(default=False)
    is_redness_spreading: Mapped[bool] = mapped_column(default=False)
    has_swelling: Mapped[bool] = mapped_column(default=False)
    has_itching: Mapped[bool] = mapped_column(default=False)
    has_discharge: Mapped[bool] = mapped_column(default=False)
    has_fever: Mapped[bool] = mapped_column(default=False)
    pain: Mapped[int] = mapped_column(default=0)  # 0 none .. 10 worst
    other: Mapped[str] = mapped_column(Text, default="")
    # Why the answers suggest a problem, in words; empty when they do not.
    flag_reasons: Mapped[str] = mapped_column(Text, default="")
    flag_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flag_cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    flag_note: Mapped[str] = mapped_column(Text, default="")
    # Sent by hand by the clinic (no mail configured, or the client has no email address).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[TreatmentSession] = relationship()
    flag_cleared_by: Mapped[User | None] = relationship(foreign_keys=[flag_cleared_by_id])

    @property
    def is_flagged(self) -> bool:
        return bool(self.flag_reasons) and self.flag_cleared_at is None
