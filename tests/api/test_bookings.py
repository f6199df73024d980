"""Bookings over the API: a booking system books, moves and cancels; the chair starts sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from smp_hygiene.extensions import db
from smp_hygiene.models import Booking, ProductKind, Role
from smp_hygiene.timeutil import utcnow
from tests import factories


@pytest.fixture
def home(app):
    with app.app_context():
        clinic = factories.make_clinic(name="Home", timezone="Europe/Brussels")
        tech = factories.make_user(Role.TECHNICIAN, clinic=clinic)
        ink = factories.make_product(ProductKind.PIGMENT, clinic)
        client = factories.make_consenting_client(clinic)
        ids = {"clinic": clinic, "tech": tech.id, "ink": ink.id, "client": client.id}
        ids["other"] = factories.make_clinic(name="Elsewhere")
        db.session.commit()
        return ids


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _booking(home, **overrides) -> dict:
    soon = (utcnow() + timedelta(minutes=30)).replace(microsecond=0)
    return {
        "client_id": home["client"],
        "technician_id": home["tech"],
        "starts_at": _iso(soon),
        "treated_area": "Crown",
        "pigment_ids": [home["ink"]],
        **overrides,
    }


def test_technician_books_and_sees_what_the_booking_still_needs(api_as, home):
    api = api_as(Role.TECHNICIAN, home["clinic"])

    made = api.post("/bookings", json=_booking(home))
    listed = api.get("/bookings")

    assert made.status_code == 201, made.json
    assert made.json["status"] == "booked"
    assert made.json["pigment_ids"] == [home["ink"]]
    assert any("Patch test" in need or "patch test" in need for need in made.json["needs"])
    assert [b["id"] for b in listed.json["items"]] == [made.json["id"]]


def test_a_retried_booking_is_recorded_once(app, api_as, home):
    api = api_as(Role.TECHNICIAN, home["clinic"])

    body = _booking(home)  # one body: a retry sends the same bytes, time included
    first = api.post("/bookings", json=body, key="booking-retry-1")
    again = api.post("/bookings", json=body, key="booking-retry-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


def test_booking_moves_then_cancels_and_a_cancelled_one_cannot_start(api_as, home):
    api = api_as(Role.TECHNICIAN, home["clinic"])
    booking = api.post("/bookings", json=_booking(home)).json
    later = _iso((utcnow() + timedelta(hours=2)).replace(microsecond=0))

    moved = api.post(f"/bookings/{booking['id']}/move", json={"starts_at": later})
    cancelled = api.post(f"/bookings/{booking['id']}/cancel", json={"reason": "Client is ill"})
    started = api.post(f"/bookings/{booking['id']}/start", json={})

    assert moved.json["starts_at"].startswith(later[:16])
    assert cancelled.json["status"] == "cancelled"
    assert started.status_code == 409
    assert started.json["rule"] == "BookingNotOpen"
    assert "cancelled" in started.json["message"]


def test_starting_a_booking_opens_the_session_with_its_client_and_area(api_as, home):
    api = api_as(Role.TECHNICIAN, home["clinic"])
    booking = api.post("/bookings", json=_booking(home)).json

    started = api.post(f"/bookings/{booking['id']}/start", json={})
    after = api.get(f"/bookings/{booking['id']}")

    assert started.status_code == 201, started.json
    assert started.json["client_id"] == home["client"]
    assert started.json["treated_area"] == "Crown"
    assert after.json["status"] == "started"
    assert after.json["session_id"] == started.json["id"]


def test_an_empty_cancel_reason_is_refused_with_the_field_named(api_as, home):
    api = api_as(Role.TECHNICIAN, home["clinic"])
    booking = api.post("/bookings", json=_booking(home)).json
    response = api.post(f"/bookings/{booking['id']}/cancel", json={"reason": ""})
    assert response.status_code == 422
    assert "reason" in response.json["errors"]["json"]


def test_another_clinics_booking_answers_as_a_missing_one(api_as, home):
    mine = api_as(Role.TECHNICIAN, home["clinic"])
    booking = mine.post("/bookings", json=_booking(home)).json
    stranger = api_as(Role.TECHNICIAN, home["other"])

    foreign = stranger.get(f"/bookings/{booking['id']}")
    missing = stranger.get("/bookings/987654")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json == missing.json


def test_another_clinics_client_cannot_be_booked(api_as, home):
    stranger = api_as(Role.TECHNICIAN, home["other"])
    response = stranger.post(
        "/bookings", json=_booking(home, technician_id=home["tech"], client_id=home["client"])
    )
    unknown = stranger.post("/bookings", json=_booking(home, client_id=987654))
    assert response.status_code == unknown.status_code
    assert response.json["message"] == unknown.json["message"]


def test_auditor_reads_bookings_but_cannot_book(api_as, home):
    auditor = api_as(Role.AUDITOR, home["clinic"])
    assert auditor.get("/bookings").status_code == 200
    assert auditor.post("/bookings", json=_booking(home)).status_code == 403
