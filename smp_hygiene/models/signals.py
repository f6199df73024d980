"""What clients report themselves, their photos, and the early warnings across clients.

A `ProblemReport` arrives from the card's public page, tied to the session by the card's token,
and waits in the clinic's reaction inbox until an auditor logs it as an AdverseReaction or
dismisses it. A `ReactionSignal` is raised when reactions on one lot (or one product) cross the
clinic's threshold within its window; an auditor quarantines or dismisses it, and how long that
took is part of the inspector's report.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.extensions import db
from smp_hygiene.models.aftercare import FollowUp
from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.people import Clinic, User
from smp_hygiene.models.reactions import AdverseReaction
from smp_hygiene.models.sessions import TreatmentSession
from smp_hygiene.models.supplies import Product, SupplyLot
from smp_hygiene.timeutil import utcnow


class ProblemReportStatus(enum.StrEnum):
    NEW = "new"
    LOGGED = "logged"  # an auditor logged it as an adverse reaction
    DISMISSED = "dismissed"  # not a reaction (a question, a duplicate), with the reason


class ProblemReport(Model):
    """A problem the client reported from their card: no account, tied by the card's token."""

    __table_args__ = (Index("ix_problem_report_clinic_status", "clinic_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    started_on: Mapped[date]
    # When the clinic learned of it: a logged reaction's notice deadline runs from here (R24).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The form's one-time key: the same form posted twice makes one report.
    form_nonce: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[ProblemReportStatus] = mapped_column(
        enum_type(ProblemReportStatus), default=ProblemReportStatus.NEW
    )
    reaction_id: Mapped[int | None] = mapped_column(ForeignKey("adverse_reaction.id"))
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    triage_note: Mapped[str] = mapped_column(Text, default="")

    session: Mapped[TreatmentSession] = relationship()
    reaction: Mapped[AdverseReaction | None] = relationship()
    triaged_by: Mapped[User | None] = relationship()
    photos: Mapped[list[ClientPhoto]] = relationship(order_by="ClientPhoto.id", viewonly=True)


class ClientPhoto(Model):
    """A photo a client sent, re-encoded as JPEG without EXIF or location; kept in the database,
    outside the web root, and served only to the clinic's auditors and admins."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("problem_report.id"), index=True)
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_up.id"), index=True)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    follow_up: Mapped[FollowUp | None] = relationship()


class SignalScope(enum.StrEnum):
    LOT = "lot"
    PRODUCT = "product"


class SignalStatus(enum.StrEnum):
    OPEN = "open"  # waiting for an auditor's decision
    QUARANTINED = "quarantined"
    DISMISSED = "dismissed"  # judged unrelated, with the reason


signal_reaction = Table(
    "signal_reaction",
    db.metadata,
    Column("signal_id", ForeignKey("reaction_signal.id"), primary_key=True),
    Column("reaction_id", ForeignKey("adverse_reaction.id"), primary_key=True),
)


class ReactionSignal(Model):
    """Reactions on one lot (or product) crossed the clinic's threshold within its window."""

    __table_args__ = (Index("ix_reaction_signal_clinic_status", "clinic_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    scope: Mapped[SignalScope] = mapped_column(enum_type(SignalScope))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("supply_lot.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    threshold: Mapped[int]
    window_days: Mapped[int]
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[SignalStatus] = mapped_column(enum_type(SignalStatus), default=SignalStatus.OPEN)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    clinic: Mapped[Clinic] = relationship()
    lot: Mapped[SupplyLot | None] = relationship()
    product: Mapped[Product] = relationship()
    decided_by: Mapped[User | None] = relationship()
    reactions: Mapped[list[AdverseReaction]] = relationship(
        secondary=signal_reaction, order_by="AdverseReaction.reported_at"
    )

    @property
    def subject(self) -> str:
        """What the signal names, as the dashboard says it."""
        if self.lot is not None:
            return f"{self.product.title}, lot {self.lot.lot_number}"
        return f"{self.product.title} (every lot)"
