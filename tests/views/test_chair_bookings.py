"""The chair's bookings: who may open them, Today's list with its needs, and a booking flowing
into a session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Booking,
    BookingStatus,
    ProductKind,
    Role,
    SessionStatus,
    TreatmentSession,
)
from smp_hygiene.timeutil import local_time, utcnow
from tests import factories as f


@pytest.fixture
def world(app):
    """A clinic with a ready client (consent, a read test for Black Onyx), a client with no
    consent, two pigments, and a booking for each client today."""
    with app.app_context():
        clinic = f.make_clinic(name="Crown Clinic")
        tech = f.make_user(clinic=clinic, email="booker@example.test")
        black = f.make_product(ProductKind.PIGMENT, clinic, manufacturer="Acme", name="Black Onyx")
        grey = f.make_product(ProductKind.PIGMENT, clinic, manufacturer="Acme", name="Slate Grey")
        ready = f.make_consenting_client(clinic, full_name="Sam Ready")
        f.make_patch_test(ready, [black])
        unsigned = f.make_client(clinic, full_name="Kim Unsigned")
        soon = utcnow()
        ready_booking = f.make_booking(ready, tech, soon, (black,), treated_area="Hairline")
        open_booking = f.make_booking(unsigned, tech, soon + timedelta(minutes=1))
        db.session.commit()
        return {
            "ready": ready.id,
            "unsigned": unsigned.id,
            "tech": tech.id,
            "black": black.id,
            "grey": grey.id,
            "ready_booking": ready_booking.id,
            "open_booking": open_booking.id,
        }


def _urls(w):
    b = w["ready_booking"]
    return [
        ("GET", "/chair/bookings/new"),
        ("GET", f"/chair/bookings/{b}"),
        ("POST", "/chair/bookings"),
        ("POST", f"/chair/bookings/{b}/start"),
        ("POST", f"/chair/bookings/{b}/cancel"),
        ("POST", f"/chair/bookings/{b}/move"),
        ("POST", f"/chair/bookings/{b}/no-show"),
    ]


@pytest.mark.parametrize("index", range(7))
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_auditors_and_admins_cannot_use_bookings(app, client, login, world, role, index):
    login(role)
    method, url = _urls(world)[index]

    assert client.open(url, method=method).status_code == 403
    with app.app_context():
        assert db.session.get(Booking, world["ready_booking"]).status is BookingStatus.BOOKED


@pytest.mark.parametrize("index", range(7))
def test_anonymous_visitors_are_sent_to_login_from_bookings(client, world, index):
    method, url = _urls(world)[index]

    response = client.open(url, method=method)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_today_lists_the_bookings_with_what_each_still_needs(client, login, world):
    login(Role.TECHNICIAN)

    page = client.get("/chair/").get_data(as_text=True)

    assert "Sam Ready" in page
    assert "Kim Unsigned" in page
    assert page.index("Sam Ready") < page.index("Kim Unsigned")  # in planned order
    assert "No consent yet: take it before the session." in page
    assert "Ready: consent, patch tests and healing gap are in order." in page
    assert "Planned pigments: Acme Black Onyx" in page


def test_a_client_card_books_that_client(client, login, world):
    login(Role.TECHNICIAN)

    page = client.get(f"/chair/bookings/new?client={world['ready']}").get_data(as_text=True)

    assert f'<option value="{world["ready"]}" selected>Sam Ready' in page


def test_technician_books_an_appointment_and_sees_its_needs(app, client, login, world):
    login(Role.TECHNICIAN)
    when = local_time(utcnow() + timedelta(days=3), "UTC").strftime("%Y-%m-%dT10:30")
    form = {
        "client_id": world["unsigned"],
        "technician_id": world["tech"],
        "starts_at": when,
        "duration_minutes": "90",
        "treated_area": "Crown",
        "product_ids": [world["grey"]],
        "nonce": "b1",
    }

    response = client.post("/chair/bookings", data=form, follow_redirects=True)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No consent yet: take it before the session." in page
    assert "No patch test for Acme Slate Grey yet" in page
    with app.app_context():
        booked = db.session.scalars(select(Booking).order_by(Booking.id.desc())).first()
        assert (booked.duration_minutes, booked.treated_area) == (90, "Crown")
        assert local_time(booked.starts_at, "UTC").strftime("%Y-%m-%dT%H:%M") == when


def test_a_booking_sent_twice_is_booked_once(app, client, login, world):
    login(Role.TECHNICIAN)
    when = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT10:30")
    form = {"client_id": world["ready"], "technician_id": world["tech"], "starts_at": when}

    first = client.post("/chair/bookings", data=form | {"nonce": "twice"})
    second = client.post("/chair/bookings", data=form | {"nonce": "twice"})

    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.query(Booking).count() == 3


@pytest.mark.parametrize("starts_at", ["", "tomorrow", "2026-13-45T10:00"])
def test_a_booking_without_a_readable_time_is_refused_naming_the_field(
    app, client, login, world, starts_at
):
    login(Role.TECHNICIAN)
    form = {"client_id": world["ready"], "technician_id": world["tech"], "starts_at": starts_at}

    response = client.post("/chair/bookings", data=form)

    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Booking).count() == 2


def test_starting_from_a_booking_carries_it_into_the_session(app, client, login, world):
    login(Role.TECHNICIAN)

    response = client.post(f"/chair/bookings/{world['ready_booking']}/start", data={"nonce": "go"})

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    planned = page.split("<details data-other-pigments>")[0]
    assert "Hairline" in page
    assert "Acme Black Onyx</strong> (Neutral dark): Negative, read" in planned
    assert "Slate Grey" not in planned
    with app.app_context():
        booking = db.session.get(Booking, world["ready_booking"])
        assert booking.status is BookingStatus.STARTED
        assert booking.session.status is SessionStatus.IN_PROGRESS


def test_a_start_sent_twice_starts_one_session(app, client, login, world):
    login(Role.TECHNICIAN)
    url = f"/chair/bookings/{world['ready_booking']}/start"

    first = client.post(url, data={"nonce": "tap"})
    second = client.post(url, data={"nonce": "tap"}, follow_redirects=True)

    assert first.status_code == 302
    assert b"Already recorded." in second.data
    with app.app_context():
        assert db.session.query(TreatmentSession).count() == 1


def test_a_completed_session_lists_no_pigment_it_did_not_use(app, client, login, world):
    with app.app_context():
        booking = db.session.get(Booking, world["ready_booking"])
        session = f.make_completed_session(booking.client, booking.technician)
        booking.session_id, booking.status = session.id, BookingStatus.STARTED
        db.session.commit()
        session_id = session.id
    login(Role.TECHNICIAN)

    page = client.get(f"/chair/sessions/{session_id}").get_data(as_text=True)

    assert "No pigment was used." in page
    assert "Black Onyx" not in page
    assert "no read patch test" not in page


def test_starting_a_booking_without_consent_leads_to_the_consent_form(client, login, world):
    login(Role.TECHNICIAN)

    response = client.post(f"/chair/bookings/{world['open_booking']}/start", data={"nonce": "c"})

    assert response.headers["Location"] == f"/chair/clients/{world['unsigned']}/consent"


def test_a_booking_within_the_healing_gap_asks_for_a_reason_then_starts(app, client, login, world):
    with app.app_context():
        ready = db.session.get(Booking, world["ready_booking"]).client
        f.make_completed_session(ready, started_at=utcnow() - timedelta(days=2))
        db.session.commit()
    login(Role.TECHNICIAN)
    url = f"/chair/bookings/{world['ready_booking']}/start"

    refused = client.post(url, data={"nonce": "h1"})
    started = client.post(url, data={"nonce": "h2", "acknowledge_reason": "Touch-up"})

    assert refused.status_code == 409
    assert b"Reason to go ahead" in refused.data
    assert started.headers["Location"].startswith("/chair/sessions/")
    with app.app_context():
        session = db.session.scalars(
            select(TreatmentSession).where(TreatmentSession.status == SessionStatus.IN_PROGRESS)
        ).one()
        assert [o.reason for o in session.overrides] == ["Touch-up"]


def test_a_cancelled_booking_leaves_today(app, client, login, world):
    login(Role.TECHNICIAN)
    url = f"/chair/bookings/{world['open_booking']}/cancel"

    refused = client.post(url, data={"nonce": "x1", "reason": " "}, follow_redirects=True)
    client.post(url, data={"nonce": "x2", "reason": "Client called: unwell"})

    assert b"Say why the booking is cancelled." in refused.data
    assert "Kim Unsigned" not in client.get("/chair/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Booking, world["open_booking"]).cancel_reason == (
            "Client called: unwell"
        )


def test_another_clinics_booking_is_not_found(app, client, login, world):
    with app.app_context():
        elsewhere = f.make_booking(f.make_consenting_client(f.make_clinic(name="Elsewhere")))
        db.session.commit()
        foreign = elsewhere.id
    login(Role.TECHNICIAN)

    assert client.get(f"/chair/bookings/{foreign}").status_code == 404
    assert client.post(f"/chair/bookings/{foreign}/start", data={"nonce": "z"}).status_code == 404
    with app.app_context():
        assert db.session.get(Booking, foreign).status is BookingStatus.BOOKED
