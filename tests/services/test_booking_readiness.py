"""What a booking still needs, judged at its planned time by the rules the session will meet."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BookingStatus,
    Consent,
    PatchTest,
    PatchTestResult,
    ProductKind,
    SessionStatus,
)
from smp_hygiene.services.bookings.readiness import readiness
from smp_hygiene.timeutil import from_local, local_date, local_time, utcnow
from tests.factories import (
    make_booking,
    make_client,
    make_clinic,
    make_consenting_client,
    make_lot,
    make_patch_test,
    make_product,
    make_session,
    make_user,
)


@pytest.fixture
def clinic(ctx):
    return make_clinic(name="Crown Clinic")  # UTC, 48 h wait, tests valid 180 days


@pytest.fixture
def black(clinic):
    return make_product(ProductKind.PIGMENT, clinic, manufacturer="Acme", name="Black Onyx")


def _test(client, product, applied_at, read_at=None, result=PatchTestResult.NEGATIVE):
    reader = make_user(clinic=client.clinic)
    test = PatchTest(
        client=client,
        products=[product],
        applied_at=applied_at,
        applied_by=reader,
        read_at=read_at,
        read_by=reader if read_at else None,
        result=result if read_at else None,
    )
    db.session.add(test)
    db.session.flush()
    return test


def test_a_booking_with_consent_and_a_read_negative_test_is_ready(clinic, black):
    client = make_consenting_client(clinic)
    make_patch_test(client, [black])

    ready = readiness(make_booking(client, pigments=(black,)))

    assert ready.needs == []
    assert [(p.product, p.cleared) for p in ready.pigments] == [(black, True)]


def test_a_client_without_consent_needs_it_before_the_session(clinic):
    booking = make_booking(make_client(clinic))

    assert readiness(booking).needs == ["No consent yet: take it before the session."]


def test_a_consent_that_runs_out_before_the_booking_is_named(clinic):
    client = make_consenting_client(clinic)
    consent = db.session.query(Consent).filter_by(client_id=client.id).one()
    consent.signed_at = utcnow() - timedelta(days=consent.template.valid_days - 1)

    needs = readiness(make_booking(client, starts_at=utcnow() + timedelta(days=2))).needs

    assert needs == ["The consent on file runs out before this booking: take a new one first."]


def test_a_test_read_only_after_the_booking_says_so_in_clinic_time(ctx):
    clinic = make_clinic(timezone="Europe/Brussels")
    black = make_product(ProductKind.PIGMENT, clinic, manufacturer="Acme", name="Black Onyx")
    client = make_consenting_client(clinic)
    now = utcnow()
    _test(client, black, applied_at=now - timedelta(hours=40))  # readable in 8 hours
    booking = make_booking(client, starts_at=now + timedelta(hours=2), pigments=(black,))

    needs = readiness(booking, now=now).needs

    readable = local_time(now + timedelta(hours=8), clinic.timezone)
    same_day = readable.date() == local_date(booking.starts_at, clinic.timezone)
    shown = f"{readable:%H:%M}" if same_day else f"{readable:%Y-%m-%d %H:%M}"
    assert needs == [
        f"Patch test for Acme Black Onyx will be read only at {shown}, after this booking."
    ]


def test_a_test_readable_before_a_late_booking_across_utc_midnight_shows_the_clinics_hour(ctx):
    clinic = make_clinic(timezone="America/New_York")
    black = make_product(ProductKind.PIGMENT, clinic, manufacturer="Acme", name="Black Onyx")
    client = make_consenting_client(clinic)
    day = local_date(utcnow(), clinic.timezone) + timedelta(days=1)
    late = from_local(datetime.combine(day, time(23, 30)), clinic.timezone)  # UTC: the next day
    _test(client, black, applied_at=late - timedelta(hours=48, minutes=30))
    booking = make_booking(client, starts_at=late, pigments=(black,))

    needs = readiness(booking).needs

    assert needs == ["Patch test for Acme Black Onyx is not read yet: read it from 23:00, "
                     "before this booking."]  # fmt: skip


def test_a_test_applied_exactly_the_wait_before_the_booking_clears_it(clinic, black):
    client, at = make_consenting_client(clinic), utcnow()
    # Read as soon as it may be: that is the booking's own time, the latest reading that counts.
    _test(client, black, applied_at=at - timedelta(hours=48), read_at=at)

    ready = readiness(make_booking(client, starts_at=at, pigments=(black,)), now=at)

    assert ready.needs == []


def test_a_test_read_exactly_at_the_planned_time_clears_it(clinic, black):
    client, now = make_consenting_client(clinic), utcnow()
    at = now - timedelta(minutes=1)  # the booking's time has just come
    _test(client, black, applied_at=at - timedelta(hours=50), read_at=at)

    assert readiness(make_booking(client, starts_at=at, pigments=(black,)), now=at).needs == []


def test_a_test_applied_a_minute_too_late_does_not_clear_the_booking(clinic, black):
    client, at = make_consenting_client(clinic), utcnow() + timedelta(hours=1)
    applied = at - timedelta(hours=48) + timedelta(minutes=1)
    _test(client, black, applied_at=applied, read_at=utcnow())

    needs = readiness(make_booking(client, starts_at=at, pigments=(black,))).needs

    assert len(needs) == 1
    assert "must be applied at least 48 hours before the session starts" in needs[0]


def test_a_test_that_expires_before_the_booking_does_not_clear_it(clinic, black):
    client, at = make_consenting_client(clinic), utcnow() + timedelta(days=3)
    applied = at - timedelta(days=180, minutes=1)  # valid today, too old by the booking
    _test(client, black, applied_at=applied, read_at=applied + timedelta(hours=48))

    needs = readiness(make_booking(client, starts_at=at, pigments=(black,))).needs

    assert len(needs) == 1
    assert "older than 180 days. Repeat the test." in needs[0]


def test_no_test_with_time_left_says_by_when_to_apply_one(clinic, black):
    client, now = make_consenting_client(clinic), utcnow()
    at = now + timedelta(days=3)

    needs = readiness(make_booking(client, starts_at=at, pigments=(black,)), now=now).needs

    by = at - timedelta(hours=48)
    assert needs == [
        f"No patch test for Acme Black Onyx yet: apply one by {by:%Y-%m-%d %H:%M} so it can "
        "be read before this booking."
    ]


def test_no_test_and_no_time_left_says_it_is_too_late(clinic, black):
    client = make_consenting_client(clinic)

    needs = readiness(
        make_booking(client, starts_at=utcnow() + timedelta(hours=3), pigments=(black,))
    ).needs

    assert needs == [
        "No patch test for Acme Black Onyx, and it is too late to apply one: it needs 48 hours "
        "before it can be read. Leave this pigment out or move this booking."
    ]


def test_a_reaction_blocks_the_pigment_on_the_booking(clinic, black):
    client = make_consenting_client(clinic)
    make_patch_test(client, [black], result=PatchTestResult.POSITIVE)

    needs = readiness(make_booking(client, pigments=(black,))).needs

    assert len(needs) == 1
    assert "reacted to Acme Black Onyx" in needs[0]


def test_a_booking_too_soon_after_the_last_session_names_the_healing_gap(clinic):
    client = make_consenting_client(clinic)
    make_session(client, started_at=utcnow() - timedelta(days=1), status=SessionStatus.COMPLETED)

    needs = readiness(make_booking(client, starts_at=utcnow() + timedelta(days=2))).needs

    assert len(needs) == 1
    assert "3 days before this booking. The skin needs at least 5 days" in needs[0]


def test_a_booking_five_days_after_a_session_still_open_is_ready(clinic):
    client = make_consenting_client(clinic)
    make_session(client, started_at=utcnow() - timedelta(days=1))
    soon = make_booking(client, starts_at=utcnow() + timedelta(days=2))
    later = make_booking(client, starts_at=utcnow() + timedelta(days=4, minutes=1))

    assert len(readiness(soon).needs) == 1  # the open session counts: it will be over by then
    assert readiness(later).needs == []


def test_where_the_clinic_tests_per_lot_a_tested_lot_in_stock_clears_the_booking(ctx):
    clinic = make_clinic(is_patch_test_per_lot=True)
    black = make_product(ProductKind.PIGMENT, clinic, manufacturer="Acme", name="Black Onyx")
    untested, tested = make_lot(black, lot_number="A-1"), make_lot(black, lot_number="B-2")
    client = make_consenting_client(clinic)
    make_patch_test(client, [black], lots=[tested])

    ready = readiness(make_booking(client, pigments=(black,)))

    assert untested.lot_number == "A-1"
    assert ready.needs == []
    assert ready.pigments[0].message.startswith("Negative (lot B-2), read ")


def test_a_cancelled_booking_needs_nothing(clinic, black):
    booking = make_booking(make_client(clinic), pigments=(black,))
    booking.status = BookingStatus.CANCELLED

    assert readiness(booking).needs == []
