"""Write side of bookings: book, move, cancel, mark a no-show, start the session from one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from smp_hygiene.errors import BookingNotOpen, InvalidInput, NotFound
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Booking,
    BookingStatus,
    Client,
    Product,
    ProductKind,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.bookings.queries import day_bounds
from smp_hygiene.services.people import permissions
from smp_hygiene.services.sessions import lifecycle
from smp_hygiene.timeutil import format_local, local_date, utcnow

MIN_MINUTES, MAX_MINUTES = 15, 8 * 60
BOOKABLE_AHEAD = timedelta(days=366)
MAX_AREA, MAX_NOTES = 200, 2000


@dataclass(frozen=True)
class BookingDetails:
    """What the booking form asks; ids are judged here, against the booking clinic only."""

    client_id: int
    technician_id: int
    starts_at: datetime
    duration_minutes: int = 120
    treated_area: str = ""
    pigment_ids: tuple[int, ...] = ()
    notes: str = ""


def book(actor: User, details: BookingDetails, now: datetime | None = None) -> Booking:
    """Book a client with a technician of the clinic, for an area and planned pigments."""
    _require_chair(actor)
    client = _client(actor, details.client_id)
    _check_time(actor, details.starts_at, details.duration_minutes, now or utcnow())
    booking = Booking(
        clinic_id=actor.clinic_id,
        client=client,
        technician=_technician(actor, details.technician_id),
        starts_at=details.starts_at,
        duration_minutes=details.duration_minutes,
        treated_area=_text(details.treated_area, MAX_AREA, "The treated area"),
        notes=_text(details.notes, MAX_NOTES, "The notes"),
        pigments=_pigments(actor, details.pigment_ids),
        created_by=actor,
    )
    db.session.add(booking)
    chain.record(actor, "booking.created", booking, after=_summary(booking))
    return booking


def reschedule(
    booking: Booking,
    actor: User,
    starts_at: datetime,
    duration_minutes: int,
    now: datetime | None = None,
) -> None:
    """Move a booking still booked to another time (and length)."""
    _require_open(booking, actor)
    _check_time(actor, starts_at, duration_minutes, now or utcnow())
    before = _summary(booking)
    booking.starts_at, booking.duration_minutes = starts_at, duration_minutes
    chain.record(actor, "booking.moved", booking, before=before, after=_summary(booking))


def cancel(booking: Booking, actor: User, reason: str, now: datetime | None = None) -> None:
    """Cancel a booking still booked; the reason stays on the record."""
    _require_open(booking, actor)
    if not reason.strip():
        raise InvalidInput("Say why the booking is cancelled.")
    before = _summary(booking)
    booking.status, booking.cancelled_at = BookingStatus.CANCELLED, now or utcnow()
    booking.cancelled_by_id = actor.id
    booking.cancel_reason = _text(reason, MAX_NOTES, "The reason")
    chain.record(actor, "booking.cancelled", booking, before=before, after=_summary(booking))


def mark_no_show(booking: Booking, actor: User, now: datetime | None = None) -> None:
    """The client did not come: only once the planned time has passed."""
    _require_open(booking, actor)
    zone = booking.clinic.timezone
    if (now or utcnow()) < booking.starts_at:
        raise InvalidInput(
            f"The booking starts at {format_local(booking.starts_at, zone)}: a client is a "
            "no-show only once that time has passed."
        )
    before = _summary(booking)
    booking.status = BookingStatus.NO_SHOW
    chain.record(actor, "booking.no_show", booking, before=before, after=_summary(booking))


def start_from_booking(
    booking: Booking,
    technician: User,
    acknowledge_reason: str | None = None,
    now: datetime | None = None,
) -> TreatmentSession:
    """Start today's booked session: its client and treated area carry over, the signed-in
    technician runs it, and the session screen shows its planned pigments."""
    now = now or utcnow()
    _lock(booking)
    _require_open(booking, technician)
    zone = booking.clinic.timezone
    if local_date(booking.starts_at, zone) != local_date(now, zone):
        raise InvalidInput(
            f"This booking is for {local_date(booking.starts_at, zone)}: move it to today "
            "before starting it."
        )
    session = lifecycle.start_session(
        booking.client,
        technician,
        treated_area=booking.treated_area,
        acknowledge_reason=acknowledge_reason,
        now=now,
    )
    before = _summary(booking)
    booking.status, booking.session = BookingStatus.STARTED, session
    chain.record(technician, "booking.started", booking, before=before, after=_summary(booking))
    return session


def _require_chair(actor: User) -> None:
    permissions.require(
        permissions.can_treat(actor), "Only a technician can book, move or start appointments."
    )


def _require_open(booking: Booking, actor: User) -> None:
    _require_chair(actor)
    if booking.clinic_id != actor.clinic_id:
        raise NotFound("There is no such booking in your clinic.")
    if booking.status is not BookingStatus.BOOKED:
        raise BookingNotOpen(
            f"This booking is {booking.status.label}: it can no longer be moved, cancelled "
            "or started."
        )


def _client(actor: User, client_id: int) -> Client:
    """A client of the actor's clinic; another clinic's id answers as one that does not exist."""
    client = db.session.get(Client, client_id)
    if client is None or client.clinic_id != actor.clinic_id:
        raise NotFound("There is no such client in your clinic: choose one from the list.")
    if client.anonymised_at is not None:
        raise InvalidInput("This client's record was anonymised: they cannot be booked.")
    return client


def _technician(actor: User, technician_id: int) -> User:
    user = db.session.get(User, technician_id)
    if user is None or user.clinic_id != actor.clinic_id or not permissions.can_treat(user):
        raise NotFound("There is no such technician in your clinic: choose one from the list.")
    if not user.is_active_user:
        raise InvalidInput(f"{user.name} no longer has an active login: choose someone else.")
    return user


def _pigments(actor: User, ids: tuple[int, ...]) -> list[Product]:
    wanted = set(ids)
    found = list(
        db.session.scalars(
            select(Product).where(
                Product.id.in_(wanted),
                Product.clinic_id == actor.clinic_id,
                Product.kind == ProductKind.PIGMENT,
            )
        )
    )
    if len(found) != len(wanted):
        raise NotFound("A chosen pigment is not in your clinic's catalogue: choose again.")
    return found


def _check_time(actor: User, starts_at: datetime, minutes: int, now: datetime) -> None:
    """From the start of the clinic's today (a walk-in booked late) to a year ahead."""
    zone = actor.clinic.timezone
    if starts_at < day_bounds(local_date(now, zone), zone)[0]:
        raise InvalidInput(
            f"{format_local(starts_at, zone)} is on a day already past: choose a time from today."
        )
    if starts_at > now + BOOKABLE_AHEAD:
        raise InvalidInput("Bookings are taken up to a year ahead: check the date.")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InvalidInput(
            f"A booking lasts from {MIN_MINUTES} minutes to {MAX_MINUTES // 60} hours."
        )


def _text(value: str, limit: int, what: str) -> str:
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{what} is too long: keep it under {limit} characters.")
    return value


def _lock(booking: Booking) -> None:
    """Two taps on Start, or two technicians: the second waits, then finds it started. SQLite
    writes already begin holding the one write lock (smp_hygiene/sqlite.py)."""
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.refresh(booking, with_for_update=True)


def _summary(booking: Booking) -> dict:
    """The columns, and the planned pigments, which live in their own table."""
    return chain.snapshot(booking) | {"pigments": sorted(p.id for p in booking.pigments)}
