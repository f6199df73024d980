"""What the technician's day looks like: sessions today, patch tests waiting to be read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select

from smp_hygiene.errors import PatchTestRequired
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Clinic,
    PatchTest,
    Product,
    ProductKind,
    SessionStatus,
    TreatmentSession,
    User,
)
from smp_hygiene.services.consent import patch_tests
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


@dataclass(frozen=True)
class PigmentStatus:
    product: Product
    cleared: bool
    message: str


def pigment_statuses(session: TreatmentSession) -> list[PigmentStatus]:
    """For each pigment in the clinic's catalogue: does a patch test clear this client (R25)?"""
    pigments = db.session.scalars(
        select(Product)
        .where(Product.clinic_id == session.clinic_id, Product.kind == ProductKind.PIGMENT)
        .order_by(Product.manufacturer, Product.name)
    )
    statuses = []
    for product in pigments:
        try:
            test = patch_tests.clearing_test(
                session.client, product, session.clinic, session.started_at
            )
        except PatchTestRequired as refusal:
            statuses.append(PigmentStatus(product, False, str(refusal)))
        else:
            statuses.append(PigmentStatus(product, True, f"Negative, read {_day(test, session)}."))
    return statuses


def _day(test: PatchTest, session: TreatmentSession) -> date:
    return local_date(test.read_at or test.applied_at, session.clinic.timezone)
