"""Adverse reactions reported after a session (DOMAIN R7, R24)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.people import Clinic, User
from smp_hygiene.models.sessions import TreatmentSession
from smp_hygiene.timeutil import utcnow


class ReactionSeverity(enum.StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SERIOUS = "serious"  # France: report to ANSM without delay (R7)


class ReactionStatus(enum.StrEnum):
    OPEN = "open"
    REPORTED = "reported"  # the health-department notice was sent


class AdverseReaction(Model):
    """A reaction a client reported after a session.

    The lots are not stored here: they are derived from the session's SupplyUse rows (each
    use's lot and its diluent lot). A sealed session's uses never change (corrections are
    addenda), so a copy could only ever drift from the sealed record, and a recall look-back
    must have one answer to "which lots touched this client". While a session is still in
    progress the reaction follows it: every lot used in the session is linked, as R7 asks.
    """

    __table_args__ = (Index("ix_adverse_reaction_clinic_reported", "clinic_id", "reported_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # When the clinic learned of it: the health-department deadline runs from here (R24).
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    onset_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signs: Mapped[str] = mapped_column(Text)
    severity: Mapped[ReactionSeverity] = mapped_column(enum_type(ReactionSeverity))
    actions_taken: Mapped[str] = mapped_column(Text, default="")
    reported_to_authority_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    authority_reference: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[ReactionStatus] = mapped_column(
        enum_type(ReactionStatus), default=ReactionStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clinic: Mapped[Clinic] = relationship()
    session: Mapped[TreatmentSession] = relationship()
    reported_by: Mapped[User] = relationship()
