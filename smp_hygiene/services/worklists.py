"""What the technician's day looks like: sessions today, patch tests waiting to be read."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import or_, select

from smp_hygiene.extensions import db
from smp_hygiene.models import SessionStatus, TreatmentSession, User
from smp_hygiene.timeutil import utcnow


def start_of_today() -> datetime:
    # Clinics carry no time zone yet, so "today" is the UTC day.
    return datetime.combine(utcnow().date(), time.min, tzinfo=UTC)


def list_sessions_today(technician: User) -> list[TreatmentSession]:
    """The technician's sessions still in progress (any day) and those started today."""
    return list(
        db.session.scalars(
            select(TreatmentSession)
            .where(
                TreatmentSession.technician_id == technician.id,
                or_(
                    TreatmentSession.status == SessionStatus.IN_PROGRESS,
                    TreatmentSession.started_at >= start_of_today(),
                ),
            )
            .order_by(TreatmentSession.started_at.desc())
        )
    )
