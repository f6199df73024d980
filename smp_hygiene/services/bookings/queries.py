"""Read side of bookings: a clinic's day in its own time, and the days coming up."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from smp_hygiene.extensions import db
from smp_hygiene.models import Booking, BookingStatus, Clinic, User
from smp_hygiene.services.people import permissions
from smp_hygiene.timeutil import local_date, utcnow

# A cancelled booking is history, not work: the day's list leaves it out.
LISTED = (BookingStatus.BOOKED, BookingStatus.STARTED, BookingStatus.NO_SHOW)


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC moments the clinic's calendar day begins and ends (23 or 25 hours at a DST
    change; a booking at 23:30 in New York is on that day though UTC has moved on)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def list_day(clinic: Clinic, day: date | None = None) -> list[Booking]:
    """The clinic's bookings on `day` (default: its today), by planned time; none cancelled."""
    day = day or local_date(utcnow(), clinic.timezone)
    return list_between(clinic, *day_bounds(day, clinic.timezone), LISTED)


def list_upcoming(clinic: Clinic, days: int = 7, now: datetime | None = None) -> list[Booking]:
    """Bookings still booked from tomorrow for `days` days: time to fix what they need."""
    tomorrow = local_date(now or utcnow(), clinic.timezone) + timedelta(days=1)
    start = day_bounds(tomorrow, clinic.timezone)[0]
    end = day_bounds(tomorrow + timedelta(days=days - 1), clinic.timezone)[1]
    return list_between(clinic, start, end, (BookingStatus.BOOKED,))


def list_between(
    clinic: Clinic, start: datetime, end: datetime, statuses: tuple[BookingStatus, ...]
) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.clinic_id == clinic.id,
                Booking.starts_at >= start,
                Booking.starts_at < end,
                Booking.status.in_(statuses),
            )
            .order_by(Booking.starts_at, Booking.id)
        )
    )


def bookings_query(
    clinic: Clinic, day: date | None = None, status: BookingStatus | None = None
) -> Select:
    """The clinic's bookings (on one of its calendar days, or in one status), for a listing."""
    query = select(Booking).where(Booking.clinic_id == clinic.id)
    if day is not None:
        start, end = day_bounds(day, clinic.timezone)
        query = query.where(Booking.starts_at >= start, Booking.starts_at < end)
    return query if status is None else query.where(Booking.status == status)


def find_booking_of_session(session_id: int) -> Booking | None:
    """The booking a session was started from, if any."""
    return db.session.scalar(select(Booking).where(Booking.session_id == session_id))


def list_technicians(clinic: Clinic) -> list[User]:
    """Who a booking can be with: the clinic's technicians with an active login, by name."""
    found = db.session.scalars(
        select(User).where(User.clinic_id == clinic.id, User.is_active_user.is_(True))
    )
    return sorted((u for u in found if permissions.can_treat(u)), key=lambda u: u.name.lower())
