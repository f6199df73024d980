"""Bookings: a booking system posts appointments; the chair starts sessions from them."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from smp_hygiene.models import Booking, BookingStatus
from smp_hygiene.services.bookings import operations, queries, readiness
from smp_hygiene.services.people.permissions import AUDIT_ROLES, CHAIR_ROLES
from smp_hygiene.views.api.blueprint import bp
from smp_hygiene.views.api.fields import Id, Moment, Text
from smp_hygiene.views.api.paging import PageArgs, page, page_of
from smp_hygiene.views.api.session_schemas import SessionDetailSchema
from smp_hygiene.views.api.sessions import detail
from smp_hygiene.views.api.tokens import allow
from smp_hygiene.views.api.writes import keep_if_refused, write
from smp_hygiene.views.loading import own_or_404

TAGS = ["bookings"]
_MINUTES = {"validate": validate.Range(operations.MIN_MINUTES, operations.MAX_MINUTES)}


class BookingSchema(Schema):
    id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    technician_id = fields.Integer(required=True)
    starts_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True)
    treated_area = fields.String(required=True)
    notes = fields.String(required=True)
    status = fields.Enum(BookingStatus, by_value=True, required=True)
    session_id = fields.Integer(required=True, allow_none=True)
    pigment_ids = fields.List(fields.Integer(), required=True)
    needs = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "What the booking still needs, in words (empty: ready)."},
    )


class BookingQuery(PageArgs):
    day = fields.Date(
        load_default=None, metadata={"description": "A day of the clinic's calendar."}
    )
    status = fields.Enum(BookingStatus, by_value=True, load_default=None)


class NewBookingSchema(Schema):
    client_id = Id(required=True)
    technician_id = Id(required=True)
    starts_at = Moment(required=True)
    duration_minutes = fields.Integer(load_default=120, strict=True, **_MINUTES)
    treated_area = Text(operations.MAX_AREA, load_default="")
    pigment_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=50))
    notes = Text(operations.MAX_NOTES, load_default="")


class MoveSchema(Schema):
    starts_at = Moment(required=True)
    duration_minutes = fields.Integer(load_default=120, strict=True, **_MINUTES)


class CancelSchema(Schema):
    reason = Text(operations.MAX_NOTES, min_length=1, required=True)


class StartBookingSchema(Schema):
    acknowledge_reason = Text(2000, load_default=None, allow_none=True)


_COLUMNS = ("id", "client_id", "technician_id", "starts_at", "duration_minutes", "treated_area",
            "notes", "status", "session_id")  # fmt: skip


def shown(bookings: list[Booking]) -> list[dict]:
    """Each booking with its planned pigments and what it still needs at its planned time."""
    return [
        {
            **{column: getattr(b, column) for column in _COLUMNS},
            "pigment_ids": [product.id for product in b.pigments],
            "needs": readiness.readiness(b).needs,
        }
        for b in bookings
    ]


@bp.get("/bookings", tags=TAGS)
@allow(CHAIR_ROLES | AUDIT_ROLES)
@bp.arguments(BookingQuery, location="query")
@bp.response(200, page_of(BookingSchema))
def list_bookings(args: dict):
    """The clinic's bookings, newest first; one day's, or those in one status."""
    query = queries.bookings_query(current_user.clinic, args["day"], args["status"])
    return page(query, Booking.id, args, rows=shown)


@bp.get("/bookings/<int:booking_id>", tags=TAGS)
@allow(CHAIR_ROLES | AUDIT_ROLES)
@bp.response(200, BookingSchema)
def get_booking(booking_id: int):
    """One booking and what it still needs."""
    return shown([own_or_404(Booking, booking_id)])[0]


@bp.post("/bookings", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(NewBookingSchema)
@bp.response(201, BookingSchema)
def book(data: dict):
    """Book a client with a technician of the clinic; ids of another clinic are refused as
    unknown ones."""
    data["pigment_ids"] = tuple(data["pigment_ids"])
    booking = operations.book(current_user, operations.BookingDetails(**data))
    return shown([booking])[0]


@bp.post("/bookings/<int:booking_id>/move", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(MoveSchema)
@bp.response(200, BookingSchema)
def move(data: dict, booking_id: int):
    """Move a booking still booked to another time."""
    booking = own_or_404(Booking, booking_id)
    operations.reschedule(booking, current_user, data["starts_at"], data["duration_minutes"])
    return shown([booking])[0]


@bp.post("/bookings/<int:booking_id>/cancel", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(CancelSchema)
@bp.response(200, BookingSchema)
def cancel(data: dict, booking_id: int):
    """Cancel a booking still booked, saying why."""
    booking = own_or_404(Booking, booking_id)
    operations.cancel(booking, current_user, data["reason"])
    return shown([booking])[0]


@bp.post("/bookings/<int:booking_id>/start", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(StartBookingSchema)
@bp.response(201, SessionDetailSchema)
def start(data: dict, booking_id: int):
    """Start today's booked session; the same rules as starting one at the chair."""
    booking = own_or_404(Booking, booking_id)
    keep_if_refused()
    session = operations.start_from_booking(booking, current_user, data["acknowledge_reason"])
    return detail(session)
