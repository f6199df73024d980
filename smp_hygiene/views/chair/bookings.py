"""Bookings at the chair: book, see what one still needs, move, cancel, start its session."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from smp_hygiene.errors import ConsentRequired, DomainError, WarningNeedsAcknowledgement
from smp_hygiene.extensions import db
from smp_hygiene.models import Booking, BookingStatus
from smp_hygiene.services.bookings import operations, readiness
from smp_hygiene.timeutil import local_date, utcnow
from smp_hygiene.views.chair.blueprint import bp
from smp_hygiene.views.chair.booking_forms import (
    BookingForm,
    CancelForm,
    StartBookingForm,
    TimeForm,
    booking_page,
    next_hour,
    preselected_client,
)
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once, refusal_page


def _booking_refused(error: DomainError):
    return booking_page(BookingForm(), error, error.http_status)


def _start_refused(error: DomainError):
    """No consent: to the consent form. Otherwise say why, with a reason box for a warning."""
    booking = _load(_booking_id())
    if isinstance(error, ConsentRequired):
        flash(str(error), "error")
        return redirect(url_for("chair.consent", client_id=booking.client_id))
    warning = isinstance(error, WarningNeedsAcknowledgement)
    page = render_template(
        "chair/booking_start.html", booking=booking, error=error, warning=warning
    )
    return page, error.http_status


def _booking_id() -> int:
    return int((request.view_args or {}).get("booking_id", 0))


def _load(booking_id: int) -> Booking:
    return own_or_404(Booking, booking_id)


@bp.get("/bookings/new")
def new_booking():
    """The booking form; from a client's card, that client is already chosen."""
    form = BookingForm(
        formdata=None,
        client_id=preselected_client(),
        technician_id=current_user.id,
        starts_at=next_hour(),
    )
    return booking_page(form)


@bp.post("/bookings")
@refusal_page(_booking_refused)
@once
def create_booking():
    """Book the appointment, then show what it still needs."""
    form = BookingForm()
    if not form.validate():
        return booking_page(form, status=422)
    booking = operations.book(current_user, form.details())
    db.session.flush()
    return done(url_for("chair.booking", booking_id=booking.id), "Booked.")


@bp.get("/bookings/<int:booking_id>")
def booking(booking_id: int):
    """One booking: what it still needs at its planned time, and what can be done with it."""
    found = _load(booking_id)
    zone = found.clinic.timezone
    return render_template(
        "chair/booking.html",
        ready=readiness.readiness(found),
        is_today=local_date(found.starts_at, zone) == local_date(utcnow(), zone),
        is_open=found.status is BookingStatus.BOOKED,
        time_form=TimeForm(formdata=None, obj=found),
    )


@bp.post("/bookings/<int:booking_id>/start")
@refusal_page(_start_refused)
@once
def start_booking(booking_id: int):
    """Start the session: client, treated area and planned pigments come from the booking."""
    found, form = _load(booking_id), StartBookingForm()
    reason = form.acknowledge_reason.data or None
    session = operations.start_from_booking(found, current_user, acknowledge_reason=reason)
    db.session.flush()
    return done(url_for("chair.show", session_id=session.id), "Session started from the booking.")


@bp.post("/bookings/<int:booking_id>/move")
@once
def move_booking(booking_id: int):
    """Move a booking to another time or length."""
    found, form = _load(booking_id), TimeForm()
    if not form.validate():
        flash("Enter the new date and time, and a length in minutes.", "error")
        return redirect(url_for("chair.booking", booking_id=booking_id))
    operations.reschedule(found, current_user, form.starts_at.data, form.duration_minutes.data)
    return done(url_for("chair.booking", booking_id=booking_id), "Booking moved.")


@bp.post("/bookings/<int:booking_id>/cancel")
@once
def cancel_booking(booking_id: int):
    """Cancel with a reason; Today no longer lists it."""
    found, form = _load(booking_id), CancelForm()
    operations.cancel(found, current_user, form.reason.data or "")
    return done(url_for("chair.today"), "Booking cancelled.")


@bp.post("/bookings/<int:booking_id>/no-show")
@once
def booking_no_show(booking_id: int):
    """The client did not come."""
    found = _load(booking_id)
    operations.mark_no_show(found, current_user)
    return done(url_for("chair.booking", booking_id=booking_id), "Marked as a no-show.")
