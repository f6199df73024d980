"""A booking flowing into a session, in a real headless Chromium at phone width."""

from __future__ import annotations

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import Booking, BookingStatus, ProductKind, Role
from smp_hygiene.timeutil import local_time, utcnow
from tests import factories as f
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
TECH = "booker@example.test"
ZONE = "Europe/Brussels"


@pytest.fixture
def clinic_day(live_app):
    """A consenting client cleared for Black Onyx only, and a third pigment never planned."""
    with live_app.app_context():
        clinic = f.make_clinic(name="Northside SMP", timezone=ZONE)
        f.make_user(Role.TECHNICIAN, email=TECH, clinic=clinic)
        client = f.make_consenting_client(clinic, full_name="Jordan Mensah")
        pigments = [
            f.make_product(ProductKind.PIGMENT, clinic, manufacturer="Acme", name=name)
            for name in ("Black Onyx", "Slate Grey", "Warm Copper")
        ]
        f.make_patch_test(client, pigments[:1])
        db.session.commit()


def _book(page) -> None:
    page.goto("/chair/")
    page.get_by_role("link", name="Book an appointment").click()
    page.get_by_label("Client").select_option(label="Jordan Mensah (1990-05-17)")
    # Now on the clinic's clock: always today, whatever the hour in UTC.
    page.get_by_label("Date and time").fill(f"{local_time(utcnow(), ZONE):%Y-%m-%dT%H:%M}")
    page.get_by_label("Treated area").fill("Crown and hairline")
    page.get_by_label("Acme Black Onyx").check()
    page.get_by_label("Acme Slate Grey").check()
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_url("**/chair/bookings/*")
    screenshot(page, "chair-booking")


def test_a_booking_shows_its_needs_on_today_and_flows_into_the_session(live_app, page, clinic_day):
    sign_in(page, TECH, f.PASSWORD)
    _book(page)

    page.goto("/chair/")
    card = page.locator("[data-my-bookings] [data-booking]")
    needs = card.locator("[data-needs]").inner_text()
    screenshot(page, "chair-today-bookings")
    assert "Jordan Mensah" in card.inner_text()
    assert "Planned pigments: Acme Black Onyx, Acme Slate Grey" in card.inner_text()
    assert "No patch test for Acme Slate Grey, and it is too late to apply one" in needs
    assert "Black Onyx" not in needs

    card.get_by_role("button", name="Start session for Jordan Mensah").click()
    page.wait_for_url("**/chair/sessions/*")

    assert "Session started from the booking." in page.locator(".flashes").inner_text()
    assert "Crown and hairline" in page.locator(".session-head").inner_text()
    shown = page.locator("[data-pigments] > ul > li")
    texts = shown.all_inner_texts()
    assert [t.split(":")[0] for t in texts] == [
        "Acme Black Onyx (Neutral dark)",
        "Acme Slate Grey (Neutral dark)",
    ]
    assert "Negative, read" in texts[0]
    assert not page.get_by_text("Acme Warm Copper", exact=False).is_visible()
    page.get_by_text("Another pigment? See its patch test").click()
    assert page.get_by_text("Acme Warm Copper", exact=False).is_visible()
    screenshot(page, "chair-session-from-booking")
    with live_app.app_context():
        booking = db.session.query(Booking).one()
        assert booking.status is BookingStatus.STARTED
        assert booking.session.treated_area == "Crown and hairline"
