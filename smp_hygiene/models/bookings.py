"""Appointments: who comes when, to whom, for which area and with which pigments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.extensions import db
from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.people import Client, Clinic, User
from smp_hygiene.models.sessions import TreatmentSession
from smp_hygiene.models.supplies import Product
from smp_hygiene.timeutil import utcnow


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    STARTED = "started"  # a session was started from it: `session_id` names it
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


# The pigment products planned, not lots: the lot is whichever bottle is opened at the chair, and
# a patch test clears a product (or, where the clinic tests per lot, a lot of it in stock).
booking_pigment = Table(
    "booking_pigment",
    db.metadata,
    Column("booking_id", ForeignKey("booking.id"), primary_key=True),
    Column("product_id", ForeignKey("product.id"), primary_key=True, index=True),
)


class Booking(Model):
    """One appointment; Today checks it against the rules at its planned time."""

    __table_args__ = (Index("ix_booking_clinic_starts", "clinic_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(default=120)
    treated_area: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[BookingStatus] = mapped_column(
        enum_type(BookingStatus), default=BookingStatus.BOOKED
    )
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_session.id"), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    clinic: Mapped[Clinic] = relationship()
    client: Mapped[Client] = relationship()
    technician: Mapped[User] = relationship(foreign_keys=[technician_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    pigments: Mapped[list[Product]] = relationship(
        secondary=booking_pigment, order_by="Product.manufacturer, Product.name"
    )
    session: Mapped[TreatmentSession | None] = relationship()
