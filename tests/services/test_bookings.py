"""Booking, moving, cancelling and starting appointments; a clinic's day in its own time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.errors import BookingNotOpen, InvalidInput, NotAllowed, NotFound
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AuditEntry,
    BookingStatus,
    ProductKind,
    Role,
    SessionStatus,
)
from smp_hygiene.services.bookings import operations, queries, readiness
from smp_hygiene.services.bookings.operations import BookingDetails
from smp_hygiene.services.sessions import worklists
from smp_hygiene.timeutil import from_local, local_date, utcnow
from tests.factories import (
    make_booking,
    make_clinic,
    make_completed_session,
    make_consenting_client,
    make_lot,
    make_patch_test,
    make_product,
    make_user,
)


@pytest.fixture
def clinic(ctx):
    return make_clinic(name="Crown Clinic")


@pytest.fixture
def tech(clinic):
    return make_user(clinic=clinic)


def _details(client, technician, **fields) -> BookingDetails:
    fields.setdefault("starts_at", utcnow() + timedelta(hours=3))
    return BookingDetails(client_id=client.id, technician_id=technician.id, **fields)


def test_technician_can_book_a_client_with_planned_pigments(clinic, tech):
    client = make_consenting_client(clinic, full_name="Sam Stone")
    black = make_product(ProductKind.PIGMENT, clinic, name="Black Onyx")

    booking = operations.book(
        tech, _details(client, tech, treated_area=" Crown ", pigment_ids=(black.id,))
    )

    assert (booking.client, booking.technician, booking.treated_area) == (client, tech, "Crown")
    assert booking.pigments == [black]
    assert booking.status is BookingStatus.BOOKED
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "booking.created"))
    assert [e.entity_id for e in entry] == [str(booking.id)]


def test_another_clinics_client_is_refused_like_an_unknown_one(clinic, tech):
    foreign = make_consenting_client(make_clinic(name="Elsewhere"))
    messages = []

    for client_id in (foreign.id, 987_654):
        with pytest.raises(NotFound) as refused:
            operations.book(tech, BookingDetails(client_id, tech.id, utcnow()))
        messages.append(str(refused.value))

    assert messages[0] == messages[1]


def test_another_clinics_technician_is_refused_like_an_unknown_one(clinic, tech):
    client = make_consenting_client(clinic)
    foreign = make_user(clinic=make_clinic(name="Elsewhere"))
    messages = []

    for technician_id in (foreign.id, 987_654):
        with pytest.raises(NotFound) as refused:
            operations.book(tech, BookingDetails(client.id, technician_id, utcnow()))
        messages.append(str(refused.value))

    assert messages[0] == messages[1]


def test_a_booking_cannot_be_with_an_auditor(clinic, tech):
    client, auditor = make_consenting_client(clinic), make_user(Role.AUDITOR, clinic=clinic)

    with pytest.raises(NotFound, match="no such technician"):
        operations.book(tech, _details(client, auditor))


def test_another_clinics_pigment_cannot_be_planned(clinic, tech):
    client = make_consenting_client(clinic)
    foreign = make_product(ProductKind.PIGMENT, make_clinic(name="Elsewhere"))

    with pytest.raises(NotFound, match="not in your clinic's catalogue"):
        operations.book(tech, _details(client, tech, pigment_ids=(foreign.id,)))


def test_a_needle_cannot_be_planned_as_a_pigment(clinic, tech):
    client = make_consenting_client(clinic)
    needle = make_product(ProductKind.NEEDLE_CARTRIDGE, clinic)

    with pytest.raises(NotFound, match="pigment"):
        operations.book(tech, _details(client, tech, pigment_ids=(needle.id,)))


def test_an_auditor_cannot_book(clinic):
    client, auditor = make_consenting_client(clinic), make_user(Role.AUDITOR, clinic=clinic)

    with pytest.raises(NotAllowed):
        operations.book(auditor, _details(client, make_user(clinic=clinic)))


def test_a_booking_on_a_day_already_past_is_refused_but_earlier_today_is_not(ctx):
    clinic = make_clinic(timezone="Europe/Brussels")
    tech, client = make_user(clinic=clinic), make_consenting_client(clinic)
    now = from_local(datetime.combine(date(2026, 3, 10), time(15, 0)), clinic.timezone)

    earlier_today = operations.book(
        tech, _details(client, tech, starts_at=now - timedelta(hours=14)), now=now
    )
    with pytest.raises(InvalidInput, match="day already past"):
        operations.book(tech, _details(client, tech, starts_at=now - timedelta(hours=16)), now=now)

    assert earlier_today.starts_at.hour == 0  # 01:00 in Brussels, 00:00 UTC


@pytest.mark.parametrize("minutes", [0, 14, 481])
def test_a_booking_length_out_of_range_is_refused(clinic, tech, minutes):
    client = make_consenting_client(clinic)

    with pytest.raises(InvalidInput, match="15 minutes to 8 hours"):
        operations.book(tech, _details(client, tech, duration_minutes=minutes))


def test_a_cancelled_booking_keeps_its_reason_and_leaves_the_day(clinic, tech):
    booking = make_booking(make_consenting_client(clinic), tech, utcnow() + timedelta(minutes=5))

    operations.cancel(booking, tech, "Client called: unwell")

    assert booking.cancel_reason == "Client called: unwell"
    assert booking not in queries.list_day(clinic, local_date(booking.starts_at, "UTC"))


def test_a_cancellation_needs_a_reason(clinic, tech):
    booking = make_booking(make_consenting_client(clinic), tech)

    with pytest.raises(InvalidInput, match="Say why"):
        operations.cancel(booking, tech, "  ")


def test_a_cancelled_booking_cannot_be_cancelled_again(clinic, tech):
    booking = make_booking(make_consenting_client(clinic), tech)
    operations.cancel(booking, tech, "Unwell")

    with pytest.raises(BookingNotOpen, match="cancelled"):
        operations.cancel(booking, tech, "Unwell")


def test_a_booking_at_2330_in_new_york_is_on_that_days_list_though_utc_is_on_the_next(ctx):
    clinic = make_clinic(timezone="America/New_York")
    day = local_date(utcnow(), clinic.timezone) + timedelta(days=1)
    late = from_local(datetime.combine(day, time(23, 30)), clinic.timezone)
    booking = make_booking(make_consenting_client(clinic), make_user(clinic=clinic), late)

    assert late.date() == day + timedelta(days=1)  # UTC has moved on
    assert queries.list_day(clinic, day) == [booking]
    assert queries.list_day(clinic, day + timedelta(days=1)) == []


def test_the_days_list_is_in_planned_order_and_shows_the_technicians_own_first(clinic, tech):
    other = make_user(clinic=clinic)
    today = local_date(utcnow(), "UTC")
    at = datetime.combine(today, time(0, 0), tzinfo=utcnow().tzinfo)
    theirs = make_booking(make_consenting_client(clinic), other, at + timedelta(hours=9))
    late = make_booking(make_consenting_client(clinic), tech, at + timedelta(hours=15))
    early = make_booking(make_consenting_client(clinic), tech, at + timedelta(hours=10))

    sheet = readiness.day_sheet(tech, now=at + timedelta(hours=8))

    assert [r.booking for r in sheet.mine] == [early, late]
    assert [r.booking for r in sheet.others] == [theirs]


def test_a_started_booking_carries_client_area_and_planned_pigments_into_the_session(clinic):
    booked_with, runner = make_user(clinic=clinic), make_user(clinic=clinic)
    black, grey = (make_product(ProductKind.PIGMENT, clinic, name=n) for n in ("Black", "Grey"))
    booking = make_booking(
        make_consenting_client(clinic), booked_with, pigments=(black,), treated_area="Hairline"
    )
    make_product(ProductKind.PIGMENT, clinic, name="Not planned")

    session = operations.start_from_booking(booking, runner)

    assert (session.client, session.technician) == (booking.client, runner)
    assert session.treated_area == "Hairline"
    assert (booking.status, booking.session) == (BookingStatus.STARTED, session)
    assert [s.product for s in worklists.pigment_statuses(session)] == [black]
    assert grey in [s.product for s in worklists.pigment_lists(session, with_others=True)[1]]


def test_a_booking_is_started_once(clinic, tech):
    booking = make_booking(make_consenting_client(clinic), tech)
    operations.start_from_booking(booking, tech)

    with pytest.raises(BookingNotOpen, match="started"):
        operations.start_from_booking(booking, tech)


def test_a_booking_for_another_day_is_moved_before_it_is_started(clinic, tech):
    booking = make_booking(make_consenting_client(clinic), tech, utcnow() + timedelta(days=2))

    with pytest.raises(InvalidInput, match="move it to today"):
        operations.start_from_booking(booking, tech)


def test_a_moved_booking_is_audited_with_its_old_time(clinic, tech):
    booking = make_booking(make_consenting_client(clinic), tech, utcnow() + timedelta(days=2))
    old = booking.starts_at

    operations.reschedule(booking, tech, old + timedelta(days=1), 90)

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "booking.moved"))
    assert old.isoformat() in entry.before
    assert booking.duration_minutes == 90


def test_a_client_is_a_no_show_only_after_the_planned_time(clinic, tech):
    booking = make_booking(make_consenting_client(clinic), tech, utcnow() + timedelta(hours=1))

    with pytest.raises(InvalidInput, match="once that time has passed"):
        operations.mark_no_show(booking, tech)
    operations.mark_no_show(booking, tech, now=utcnow() + timedelta(hours=2))

    assert booking.status is BookingStatus.NO_SHOW


def test_a_closed_session_shows_only_the_pigments_used(clinic, tech):
    client = make_consenting_client(clinic)
    used = make_lot(make_product(ProductKind.PIGMENT, clinic, name="Used"), received_by=tech)
    planned = make_product(ProductKind.PIGMENT, clinic, name="Planned")
    make_patch_test(client, [used.product])
    session = make_completed_session(client, tech, lots=(used,))
    make_booking(client, tech, pigments=(planned,), session_id=session.id)

    statuses = worklists.pigment_statuses(session)

    assert session.status is SessionStatus.COMPLETED
    assert [(s.product, s.cleared) for s in statuses] == [(used.product, True)]
