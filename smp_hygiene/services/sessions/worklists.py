"""What the technician's day looks like: sessions today, patch tests waiting to be read."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Clinic,
    Product,
    ProductKind,
    SessionStatus,
    TreatmentSession,
    User,
)
from smp_hygiene.services.bookings import queries
from smp_hygiene.services.consent import clearance
from smp_hygiene.services.consent.clearance import PigmentStatus
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.timeutil import local_date, utcnow


def start_of_today(zone: str = "UTC") -> datetime:
    """Midnight of the clinic's current day, so "today" matches the clock on the wall."""
    return datetime.combine(local_date(utcnow(), zone), time.min, tzinfo=ZoneInfo(zone))


def list_sessions_today(technician: User) -> list[TreatmentSession]:
    """The technician's sessions still in progress (any day) and those started today."""
    return list(
        db.session.scalars(
            select(TreatmentSession)
            .where(
                TreatmentSession.technician_id == technician.id,
                or_(
                    TreatmentSession.status == SessionStatus.IN_PROGRESS,
                    TreatmentSession.started_at >= start_of_today(technician.clinic.timezone),
                ),
            )
            .order_by(TreatmentSession.started_at.desc())
        )
    )


def sessions_query(
    clinic: Clinic, client_id: int | None = None, status: SessionStatus | None = None
) -> Select:
    """The clinic's sessions (one client's, or in one status), for a listing by id."""
    query = select(TreatmentSession).where(TreatmentSession.clinic_id == clinic.id)
    if client_id is not None:
        query = query.where(TreatmentSession.client_id == client_id)
    return query if status is None else query.where(TreatmentSession.status == status)


def pigment_statuses(session: TreatmentSession) -> list[PigmentStatus]:
    """The pigments planned for the session (on its booking) and those used in it, each with
    whether a patch test clears this client (R25); once closed, only those used."""
    return pigment_lists(session, with_others=False)[0]


def pigment_lists(
    session: TreatmentSession, with_others: bool
) -> tuple[list[PigmentStatus], list[PigmentStatus]]:
    """The session's pigments (`pigment_statuses`) and, with `with_others`, every other pigment
    of the catalogue, for a bottle picked that was not planned; each with its clearance, the
    patch tests of them all read in one query."""
    used = [use.lot.product for use in session.uses if use.lot.is_pigment]
    planned = planned_pigments(session) if session.status is SessionStatus.IN_PROGRESS else []
    shown = list(dict.fromkeys([*planned, *used]))
    others = []
    if with_others:
        catalogue_pigments = catalogue.list_products(session.clinic, ProductKind.PIGMENT)
        others = [product for product in catalogue_pigments if product not in shown]
    statuses = clearance.pigment_statuses(session.client, shown + others, session.started_at)
    return statuses[: len(shown)], statuses[len(shown) :]


def planned_pigments(session: TreatmentSession) -> list[Product]:
    """The pigments on the booking the session was started from; none without a booking."""
    booking = queries.find_booking_of_session(session.id)
    return list(booking.pigments) if booking else []
