"""The session screen with a keyboard only (Tab, Enter, Space), as with a wedge scanner and no
mouse: scan, tick the checklist, complete; every stop shows where the focus is."""

from __future__ import annotations

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, Role, SessionStatus, TreatmentSession
from tests import factories as f
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e
TECH = "keys@example.test"
CHECKLIST = ("Hands washed", "Fresh gloves", "Barrier film on")


@pytest.fixture
def open_session(live_app):
    """A session open at the chair with a checklist to tick; the cartridge's barcode."""
    with live_app.app_context():
        clinic = f.make_clinic(name="Northside SMP")
        tech = f.make_user(Role.TECHNICIAN, email=TECH, clinic=clinic)
        cartridge = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, received_by=tech)
        f.make_checklist(clinic, texts=CHECKLIST)
        client = f.make_consenting_client(clinic, full_name="Jordan Mensah")
        session = f.make_ready_session(technician=tech, client=client)
        db.session.commit()
        return session.id, f.gs1_for(cartridge, serial="KEY01")


def _focused(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the focus reaches `selector`; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page, selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def _focus_is_visible(page) -> bool:
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    return style[0] != "none" and style[1] >= 2


def test_technician_completes_a_session_with_the_keyboard_only(live_app, page, open_session):
    session_id, barcode = open_session
    sign_in(page, TECH, f.PASSWORD)
    page.goto(f"/chair/sessions/{session_id}")
    page.locator("[data-scan-form][data-ready]").wait_for(state="attached")

    assert _focused(page, "input[name=barcode]")  # the scanner can fire at once
    assert _focus_is_visible(page)
    page.keyboard.type(barcode)
    page.keyboard.press("Enter")
    page.locator("[data-scan-result].scan-ok").wait_for()
    for text in CHECKLIST:
        _tab_to(page, "[data-tick]:not(:checked)")
        assert _focus_is_visible(page)
        page.keyboard.press("Space")
        page.locator("[data-tick-form]", has_text=text).locator(
            "[data-when]:not(:empty)"
        ).wait_for()
    page.wait_for_function("() => !document.querySelector('[data-complete]').disabled")
    _tab_to(page, "[data-complete]")
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")

    page.wait_for_url("**/aftercare")
    with live_app.app_context():
        session = db.session.get(TreatmentSession, session_id)
        assert session.status is SessionStatus.COMPLETED
        assert [use.serial for use in session.uses] == ["KEY01"]
        assert len(session.answers) == len(CHECKLIST)


def test_skip_link_is_the_first_stop_and_moves_the_focus_to_the_page(page, open_session):
    sign_in(page, TECH, f.PASSWORD)
    page.goto("/chair/patch-tests")
    page.evaluate("() => document.activeElement.blur()")

    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")

    assert _focused(page, "main")
