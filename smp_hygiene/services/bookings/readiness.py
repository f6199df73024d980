"""What a booking still needs, judged at its planned time by the rules the session will meet:
a current consent (R20), a patch test clearing each planned pigment (R25), the healing gap since
the client's last session (R26). Problems show on Today before the client is in the chair."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from smp_hygiene.models import Booking, BookingStatus, Client, SessionStatus, User
from smp_hygiene.services.bookings import queries
from smp_hygiene.services.consent import clearance, consents
from smp_hygiene.services.consent.clearance import PigmentStatus
from smp_hygiene.services.sessions import lifecycle
from smp_hygiene.timeutil import local_date, utcnow

THIS_BOOKING = "this booking"


@dataclass(frozen=True)
class Readiness:
    """A booking with what it still needs (plain sentences) and its planned pigments' state."""

    booking: Booking
    needs: list[str] = field(default_factory=list)
    pigments: list[PigmentStatus] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return not self.needs


@dataclass(frozen=True)
class DaySheet:
    """Today for one technician: their bookings first, then the rest of the clinic's, then the
    bookings of the next days."""

    mine: list[Readiness]
    others: list[Readiness]
    upcoming: list[Readiness]


def readiness(booking: Booking, now: datetime | None = None) -> Readiness:
    """What `booking` still needs at its planned time, or now if that has passed (a session
    starts when it is started). Only a booking still booked needs anything."""
    if booking.status is not BookingStatus.BOOKED:
        return Readiness(booking)
    now = now or utcnow()
    at, client = max(booking.starts_at, now), booking.client
    pigments = clearance.pigment_statuses(client, booking.pigments, at, THIS_BOOKING, now=now)
    needs = [
        *_consent_needs(client, at, now),
        *(status.message for status in pigments if not status.cleared),
        *_healing_needs(client, at),
    ]
    return Readiness(booking, needs, pigments)


def day_sheet(user: User, now: datetime | None = None) -> DaySheet:
    """The clinic's bookings today with their needs, the user's own first; then the week."""
    now = now or utcnow()
    clinic = user.clinic
    today = [readiness(b, now) for b in queries.list_day(clinic, local_date(now, clinic.timezone))]
    return DaySheet(
        mine=[r for r in today if r.booking.technician_id == user.id],
        others=[r for r in today if r.booking.technician_id != user.id],
        upcoming=[readiness(b, now) for b in queries.list_upcoming(clinic, now=now)],
    )


def _consent_needs(client: Client, at: datetime, now: datetime) -> list[str]:
    if consents.current_consent(client, at) is not None:
        return []
    if consents.current_consent(client, now) is not None:
        return ["The consent on file runs out before this booking: take a new one first."]
    return ["No consent yet: take it before the session."]


def _healing_needs(client: Client, at: datetime) -> list[str]:
    """A session still open today counts: it will be over by a later booking."""
    statuses = (SessionStatus.COMPLETED, SessionStatus.IN_PROGRESS)
    previous = lifecycle.previous_session(client, at, statuses)
    warning = lifecycle.healing_gap_warning(client, previous, at, f"before {THIS_BOOKING}")
    if warning is None:
        return []
    return [f"{warning} Move the booking, or give a reason when starting."]
