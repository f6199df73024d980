"""The forms of the chair's bookings, and the choices the booking form offers."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import render_template, request
from flask_login import current_user
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired

from smp_hygiene.errors import DomainError
from smp_hygiene.models import ProductKind
from smp_hygiene.services.bookings import queries
from smp_hygiene.services.bookings.operations import BookingDetails
from smp_hygiene.services.people import clients
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.clock import ClinicTimeField
from smp_hygiene.views.forms import BaseForm, IdField, WholeNumberField
from smp_hygiene.views.ids import record_id


class TimeForm(BaseForm):
    """When, and for how long: a new booking, or a booking moved."""

    starts_at = ClinicTimeField("Date and time", validators=[InputRequired()])
    duration_minutes = WholeNumberField("Length in minutes", low=15, high=480, default=120)


class BookingForm(TimeForm):
    """Who, with whom, when, where on the scalp and with which pigments; the ids are judged by
    the service against the clinic, so another clinic's id answers as an unknown one."""

    client_id = IdField("Client")
    technician_id = IdField("Technician")
    treated_area = StringField("Treated area")
    product_ids = SelectMultipleField(coerce=record_id, validate_choice=False)
    notes = TextAreaField("Notes")

    def details(self) -> BookingDetails:
        return BookingDetails(
            client_id=self.client_id.data or 0,
            technician_id=self.technician_id.data or 0,
            starts_at=self.starts_at.data or utcnow(),
            duration_minutes=self.duration_minutes.data or 0,
            treated_area=self.treated_area.data or "",
            pigment_ids=tuple(self.product_ids.data or ()),
            notes=self.notes.data or "",
        )


class CancelForm(BaseForm):
    """Why the booking is cancelled: kept on the record."""

    reason = StringField()


class StartBookingForm(BaseForm):
    """Starting from a booking; on a second try, the reason to go ahead despite a warning."""

    acknowledge_reason = TextAreaField()


def next_hour() -> datetime:
    """The default time offered: the next whole hour."""
    now = utcnow()
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def preselected_client() -> int | None:
    """`?client=` from a client's card; a foreign or odd id simply preselects no one."""
    try:
        return record_id(request.args.get("client", ""))
    except ValueError:
        return None


def booking_page(form: BookingForm, error: DomainError | None = None, status: int = 200):
    """The booking form with the clinic's clients, technicians and pigments to choose from."""
    clinic = current_user.clinic
    return render_template(
        "chair/booking_new.html",
        form=form,
        error=error,
        clients=clients.list_clients(clinic.id, limit=500),
        technicians=queries.list_technicians(clinic),
        pigments=catalogue.list_products(clinic, ProductKind.PIGMENT),
        chosen=set(form.product_ids.data or ()),
    ), status
