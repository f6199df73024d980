"""Recalls of lots or products, the lots they block, and the clients told about them."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.enums import LotStatus
from smp_hygiene.models.people import Client, Clinic, User
from smp_hygiene.models.sessions import Refusal, SupplyUse, TreatmentSession
from smp_hygiene.models.supplies import Product, SupplyLot
from smp_hygiene.timeutil import utcnow

# EU Safety Gate (ex RAPEX) alert numbers look like A12/0097/17 or A12/01126/20 (DOMAIN R6).
SAFETY_GATE_REFERENCE = re.compile(r"^A\d{2}/\d{4,5}/\d{2}$")


class RecallScope(enum.StrEnum):
    LOT = "lot"
    LOT_LIST = "lot_list"
    LOT_RANGE = "lot_range"
    PRODUCT = "product"

    @property
    def label(self) -> str:
        return {
            "lot": "One lot",
            "lot_list": "A list of lots",
            "lot_range": "A range of lots",
            "product": "The whole product",
        }[self.value]


class NotificationChannel(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Recall(Model):
    """A recall of one lot, several lots or a whole product; closed with a reason, never deleted."""

    __table_args__ = (Index("ix_recall_clinic_closed", "clinic_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    scope: Mapped[RecallScope] = mapped_column(enum_type(RecallScope))
    # What the notice named, normalised: one key per line (lot, list) or the two range ends.
    lot_keys: Mapped[str] = mapped_column(Text, default="")
    lots_as_given: Mapped[str] = mapped_column(Text, default="")  # as typed, for the record
    not_held: Mapped[str] = mapped_column(Text, default="")  # named but never received here
    reason: Mapped[str] = mapped_column(Text)
    source_reference: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    close_reason: Mapped[str] = mapped_column(Text, default="")
    # The look-back: sessions from this moment on are in the affected-client list. Only widened,
    # never narrowed; empty on recalls opened before it existed, whose list had no limit.
    lookback_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    clinic: Mapped[Clinic] = relationship()
    product: Mapped[Product] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    recall_lots: Mapped[list[RecallLot]] = relationship(
        back_populates="recall", order_by="RecallLot.lot_id"
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def lookback_start(self) -> date | None:
        """The first day of the look-back; None on old recalls, which looked back without limit."""
        return self.lookback_starts_at.date() if self.lookback_starts_at else None

    @property
    def lookback_label(self) -> str:
        """The window the affected-client list covers, as the page, CSV and PDF state it."""
        if self.lookback_start is None:
            return "Look-back: every session on record"
        return f"Look-back: sessions from {self.lookback_start.isoformat()} to today"

    @property
    def is_safety_gate(self) -> bool:
        return bool(SAFETY_GATE_REFERENCE.match(self.source_reference))

    @property
    def source_label(self) -> str:
        if self.is_safety_gate:
            return f"EU Safety Gate alert {self.source_reference}"
        return self.source_reference


class RecallLot(Model):
    """A lot a recall blocked, with the status it had before (a used-up lot stays traceable)."""

    __table_args__ = (Index("ix_recall_lot_lot", "lot_id"),)

    recall_id: Mapped[int] = mapped_column(ForeignKey("recall.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("supply_lot.id"), primary_key=True)
    previous_status: Mapped[LotStatus] = mapped_column(enum_type(LotStatus))

    recall: Mapped[Recall] = relationship(back_populates="recall_lots")
    lot: Mapped[SupplyLot] = relationship()


class ClientNotification(Model):
    """The clinic told a client about a recall: how, when and by whom."""

    __table_args__ = (Index("ix_client_notification_recall_client", "recall_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recall.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_session.id"))
    channel: Mapped[NotificationChannel] = mapped_column(enum_type(NotificationChannel))
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recall: Mapped[Recall] = relationship()
    client: Mapped[Client] = relationship()
    session: Mapped[TreatmentSession | None] = relationship()
    notified_by: Mapped[User] = relationship()


# Indexes the traceability queries need on tables defined elsewhere. They are declared here,
# beside the queries' own tables, so the modules that own those tables stay untouched.
# - a recalled diluent finds its sessions (SupplyUse.lot_id is covered by ix_supply_use_lot_session)
Index("ix_supply_use_diluent_session", SupplyUse.diluent_lot_id, SupplyUse.session_id)
# - a technician's sessions and refusals over a period
Index(
    "ix_treatment_session_technician_started",
    TreatmentSession.technician_id,
    TreatmentSession.started_at,
)
Index("ix_refusal_user_at", Refusal.user_id, Refusal.at)
# - a clinic's sessions over a period (traceability date filters)
Index(
    "ix_treatment_session_clinic_started", TreatmentSession.clinic_id, TreatmentSession.started_at
)
