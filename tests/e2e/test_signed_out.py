"""Signed out mid-session: the scan screen says so, and the scan waits for the technician."""

from __future__ import annotations

import time

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, Role, SupplyUse
from tests import factories as f
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
TECH = "idle@example.test"
SIGNED_OUT = "You were signed out after a period of inactivity. Sign in again: your scan is kept."


@pytest.fixture
def session_screen(live_app):
    """A technician's session in progress, label information shown; its path and a scan."""
    with live_app.app_context():
        clinic = f.make_clinic(name="Northside SMP")
        tech = f.make_user(Role.TECHNICIAN, email=TECH, clinic=clinic)
        client = f.make_consenting_client(clinic, full_name="Jordan Mensah")
        cartridge = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, received_by=tech)
        session = f.make_ready_session(technician=tech, client=client)
        db.session.commit()
        return f"/chair/sessions/{session.id}", f.gs1_for(cartridge, serial="IDLE01")


def _idle_out(live_app, page):
    """The server's idle limit passes while the page stays open."""
    live_app.config["IDLE_TIMEOUT_MINUTES"] = 0.01
    time.sleep(1.2)


def _cookie_gone(live_app, page):
    """The browser dropped the session cookie at its expiry, its CSRF token with it."""
    page.context.clear_cookies()


def _uses(live_app) -> int:
    with live_app.app_context():
        return db.session.query(SupplyUse).count()


@pytest.mark.parametrize("sign_out", [_idle_out, _cookie_gone])
def test_a_signed_out_scan_is_kept_and_back_in_the_box_after_signing_in(
    live_app, page, session_screen, sign_out
):
    screen, scan = session_screen
    sign_in(page, TECH, f.PASSWORD)
    page.goto(screen)
    page.locator("[data-scan-form][data-ready]").wait_for(state="attached")
    sign_out(live_app, page)
    box = page.get_by_label("Scan a cartridge or pigment", exact=False)
    box.fill(scan)
    box.press("Enter")

    result = page.locator("[data-scan-result]")
    page.get_by_role("link", name="Sign in again").wait_for()
    assert result.inner_text() == SIGNED_OUT
    screenshot(page, "chair-signed-out")
    live_app.config["IDLE_TIMEOUT_MINUTES"] = 15
    page.get_by_role("link", name="Sign in again").click()
    page.wait_for_url("**/auth/login?next=*")
    assert "You were signed out" in page.locator(".flashes").inner_text()
    page.get_by_label("Email").fill(TECH)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"**{screen}")
    page.locator("[data-scan-form][data-ready]").wait_for(state="attached")
    assert box.input_value() == scan
    assert "back in the box" in result.inner_text()
    assert _uses(live_app) == 0  # put back, not sent: the technician confirms
    box.press("Enter")
    page.locator("[data-scan-result].scan-ok").wait_for()
    assert _uses(live_app) == 1


def test_a_kept_scan_is_put_back_once_only(live_app, page, session_screen):
    screen, scan = session_screen
    sign_in(page, TECH, f.PASSWORD)
    page.goto(screen)
    page.locator("[data-scan-form][data-ready]").wait_for(state="attached")
    _cookie_gone(live_app, page)
    box = page.get_by_label("Scan a cartridge or pigment", exact=False)
    box.fill(scan)
    box.press("Enter")
    page.get_by_role("link", name="Sign in again").wait_for()
    sign_in(page, TECH, f.PASSWORD)
    page.goto(screen)
    page.locator("[data-scan-form][data-ready]").wait_for(state="attached")
    assert box.input_value() == scan

    page.reload()

    page.locator("[data-scan-form][data-ready]").wait_for(state="attached")
    assert box.input_value() == ""
