"""A treatment session and everything that makes up its record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.enums import SessionStatus
from smp_hygiene.models.patch_tests import PatchTest
from smp_hygiene.models.people import Client, Clinic, User
from smp_hygiene.models.supplies import SupplyLot
from smp_hygiene.timeutil import utcnow

if TYPE_CHECKING:
    from smp_hygiene.models.sterilisation import PackUse


class TreatmentSession(Model):
    """One sitting; sealed on completion, after which only addenda change its story."""

    __table_args__ = (Index("ix_treatment_session_client_started", "client_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    course_number: Mapped[int] = mapped_column(default=1)
    treated_area: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SessionStatus] = mapped_column(
        enum_type(SessionStatus), default=SessionStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # DOMAIN R3: the client was shown the label data of the pigments before the first one.
    label_info_provided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sealed_digest: Mapped[str | None] = mapped_column(String(64))
    verify_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")

    clinic: Mapped[Clinic] = relationship()
    client: Mapped[Client] = relationship()
    technician: Mapped[User] = relationship(foreign_keys=[technician_id])
    uses: Mapped[list[SupplyUse]] = relationship(
        back_populates="session", order_by="SupplyUse.id", foreign_keys="SupplyUse.session_id"
    )
    answers: Mapped[list[ChecklistAnswer]] = relationship(order_by="ChecklistAnswer.id")
    overrides: Mapped[list[SafetyOverride]] = relationship(order_by="SafetyOverride.id")
    addenda: Mapped[list[Addendum]] = relationship(order_by="Addendum.id")
    pack_uses: Mapped[list[PackUse]] = relationship(order_by="PackUse.id", viewonly=True)


class SupplyUse(Model):
    """One scan at the chair; a pigment use is also the dose (cap) poured for this session only."""

    __table_args__ = (
        # A serialised cartridge (GS1 AI 21) exists once: the database refuses a second use
        # even when two technicians scan it in the same instant.
        UniqueConstraint("unit_key"),
        Index("ix_supply_use_lot_session", "lot_id", "session_id"),
        Index("ix_supply_use_diluent_lot", "diluent_lot_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("supply_lot.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    serial: Mapped[str | None] = mapped_column(String(20))
    unit_key: Mapped[str | None] = mapped_column(String(80))  # "<product key>/<serial>"
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    raw_barcode: Mapped[str] = mapped_column(Text, default="")
    # The barcode named the product only; the technician typed the lot from the packaging.
    is_hand_entry: Mapped[bool] = mapped_column(default=False, server_default=false())
    diluent_lot_id: Mapped[int | None] = mapped_column(ForeignKey("supply_lot.id"))
    patch_test_id: Mapped[int | None] = mapped_column(ForeignKey("patch_test.id"))

    session: Mapped[TreatmentSession] = relationship(back_populates="uses")
    lot: Mapped[SupplyLot] = relationship(foreign_keys=[lot_id])
    diluent_lot: Mapped[SupplyLot | None] = relationship(foreign_keys=[diluent_lot_id])
    patch_test: Mapped[PatchTest | None] = relationship()
    used_by: Mapped[User] = relationship()


class ChecklistItem(Model):
    """One line of a clinic's hygiene checklist; retired, never deleted, once answered."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(default=True)

    clinic: Mapped[Clinic] = relationship()


class ChecklistAnswer(Model):
    """Who ticked which item in which session, and when."""

    __table_args__ = (UniqueConstraint("session_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id"))
    item_text: Mapped[str] = mapped_column(String(300))  # as worded when ticked
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    answered_by: Mapped[User] = relationship()


class SafetyOverride(Model):
    """A soft warning the technician acknowledged, with the reason shown on the record."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # "healing_gap", "patch_test"
    message: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    acknowledged_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    acknowledged_by: Mapped[User] = relationship()


class Addendum(Model):
    """A correction to a sealed record: the record itself never changes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class Refusal(Model):
    """A scan or action the rules refused at the chair, kept for the auditor's dashboard."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_session.id"))
    reason: Mapped[str] = mapped_column(String(60))  # the DomainError class name
    message: Mapped[str] = mapped_column(Text)
    raw_input: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
