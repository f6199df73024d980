"""An auditor recalls a lot from the UI; the chair refuses it and the patient page flags it."""

from __future__ import annotations

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, Role
from smp_hygiene.services.sessions import lifecycle as sessions
from tests import factories as f
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
REASON = "Sterility not assured: damaged seal"


@pytest.fixture
def treated_with_d199(live_app):
    """A sealed session that used cartridge lot D199, and a second client waiting in the chair."""
    with live_app.app_context():
        clinic = f.make_clinic(name="Northside SMP", phone="+32 2 555 01 23")
        f.make_user(Role.AUDITOR, email="audit@example.test", clinic=clinic)
        tech = f.make_user(Role.TECHNICIAN, email="tech@example.test", clinic=clinic)
        lot = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, lot_number="D199", received_by=tech)
        items = f.make_checklist(clinic, texts=("Hands washed",))
        treated = f.make_consenting_client(clinic, full_name="Alex Martin")
        f.make_consenting_client(clinic, full_name="Robin Haas")
        session = sessions.start_session(treated, tech, treated_area="Crown")
        sessions.answer_item(session, items[0], tech)
        sessions.record_scan(session, f.gs1_for(lot, serial="S1"), tech)
        sessions.complete_session(session, tech)
        data = {
            "label": f"{lot.product.title} ({lot.product.gtin})",
            "next_scan": f.gs1_for(lot, serial="S2"),
            "token": session.verify_token,
        }
        db.session.commit()
    return data


def _recall_from_the_ui(page, product_label: str) -> None:
    page.goto("/audit/recalls/new")
    page.get_by_label("Product", exact=True).select_option(label=product_label)
    page.get_by_role("radio", name="One lot").check()
    page.get_by_label("Lot number(s)").fill("Lot-Nr. D 199 batch No 199 E06")  # A12/0097/17
    page.get_by_label("Reason").fill(REASON)
    page.get_by_label("Source reference").fill("A12/0097/17")
    page.get_by_role("button", name="Preview the lots it covers").click()
    matches = page.locator("table.matches").inner_text()
    assert "D199" in matches
    assert "the part after “Lot-Nr.”" in matches
    page.get_by_role("button", name="Recall and block").click()


def test_a_lot_recalled_in_the_ui_is_refused_at_the_chair_and_flagged_to_the_patient(
    browser, live_server, page, treated_with_d199
):
    sign_in(page, "audit@example.test", f.PASSWORD)
    _recall_from_the_ui(page, treated_with_d199["label"])

    assert "D199 (recalled)" in page.locator(".facts").inner_text()
    assert "Alex Martin" in page.locator("table").inner_text()
    screenshot(page, "recall-opened")

    chair = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    tablet = chair.new_page()
    sign_in(tablet, "tech@example.test", f.PASSWORD)
    tablet.goto("/chair/?q=Robin")
    tablet.get_by_label("Treated area").fill("Crown")
    tablet.get_by_role("button", name="Start session for Robin Haas").click()
    tablet.wait_for_url("**/chair/sessions/*")
    tablet.locator("[data-scan-form][data-ready]").wait_for(state="attached")
    box = tablet.get_by_label("Scan a cartridge or pigment", exact=False)
    box.fill(treated_with_d199["next_scan"])
    box.press("Enter")
    refusal = tablet.locator("[data-scan-result]:not(.scan-busy):not(:empty)")
    refusal.wait_for()
    assert "lot D199 was recalled" in refusal.inner_text()
    assert REASON in refusal.inner_text()
    chair.close()

    patient = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    card = patient.new_page()
    card.goto(f"/v/{treated_with_d199['token']}")
    notice = card.locator(".recall")
    assert "D199" in notice.inner_text()
    assert REASON in notice.inner_text()
    assert "A12/0097/17" in notice.inner_text()
    screenshot(card, "verify-recalled")
    patient.close()
