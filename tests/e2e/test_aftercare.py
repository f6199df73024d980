"""Closing the loop in a real browser: a client reports a reaction from the card's QR code, the
auditor logs it, a second report on the same lot raises a signal, the auditor quarantines the
lot, and the chair refuses its next scan."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import ClientPhoto, ProductKind, Role
from smp_hygiene.services.verification import tokens
from smp_hygiene.timeutil import utcnow
from tests import factories as f
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
AUDITOR, TECH = "audit@example.test", "tech@example.test"


@pytest.fixture
def two_cards(live_app):
    """Two clients treated five days ago with cartridge lot NC-77, a third waiting at the chair."""
    with live_app.app_context():
        clinic = f.make_clinic(name="Northside SMP", phone="+32 2 555 01 23")
        f.make_user(Role.AUDITOR, email=AUDITOR, clinic=clinic)
        tech = f.make_user(Role.TECHNICIAN, email=TECH, clinic=clinic)
        lot = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, lot_number="NC-77", received_by=tech)
        tokens_ = []
        for name in ("Alex Martin", "Sam Osei"):
            client = f.make_client(clinic, full_name=name, phone="+32 470 12 34 56")
            session = f.make_completed_session(client, tech, lots=(lot,),
                                               started_at=utcnow() - timedelta(days=5))  # fmt: skip
            session.sealed_digest = "ab" * 32
            tokens.issue_verification_token(session)
            tokens_.append(session.verify_token)
        f.make_checklist(clinic, texts=("Hands washed",))
        f.make_consenting_client(clinic, full_name="Robin Haas")
        data = {"tokens": tokens_, "next_scan": f.gs1_for(lot, serial="Q9"),
                "onset": (utcnow() - timedelta(days=2)).strftime("%Y-%m-%dT10:00"),
                "day": (utcnow() - timedelta(days=2)).date().isoformat()}  # fmt: skip
        db.session.commit()
    return data


def _card_url(page, token: str) -> str:
    """What the phone's camera reads from the card: the QR code, decoded with zxing-cpp."""
    png = page.request.get(f"/v/{token}/qr.png").body()
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text


def _report_from_the_card(page, token: str, day: str, photo=None) -> None:
    page.goto(_card_url(page, token))
    page.get_by_role("link", name="Report a problem with this treatment").click()
    page.get_by_label("What is wrong?").fill("Red, warm and swollen around the dots; some pus")
    page.get_by_label("When did it start?").fill(day)
    if photo is not None:
        page.get_by_label("Photos (optional)").set_input_files(str(photo))
    page.get_by_role("button", name="Send to the clinic").click()
    page.get_by_text("the clinic has your report").wait_for()


def _log_the_newest_report(page, onset: str) -> None:
    page.goto("/audit/reactions/inbox")
    page.get_by_role("link", name="Report").last.click()
    page.get_by_label("Onset (from the client's report)").fill(onset)
    page.get_by_label("Severity").select_option("moderate")
    page.get_by_role("button", name="Log reaction").click()
    page.wait_for_url("**/audit/reactions/*")


def test_two_reports_on_one_lot_end_with_the_lot_refused_at_the_chair(
    browser, live_server, live_app, page, two_cards, tmp_path
):
    photo = tmp_path / "IMG_4410.jpg"
    photo.write_bytes(f.gps_jpeg((640, 480)))
    _report_from_the_card(page, two_cards["tokens"][0], two_cards["day"], photo)
    assert page.context.cookies() == []  # the card's pages set no cookie, the report included
    screenshot(page, "verify-report-sent")

    staff = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    audit = staff.new_page()
    sign_in(audit, AUDITOR, f.PASSWORD)
    audit.goto("/audit/reactions/inbox")
    assert "Alex Martin" in audit.locator("table").inner_text()
    audit.get_by_role("link", name="Report").first.click()
    # expect() waits for the report page the click opens; is_visible() would ask the old page.
    expect(audit.get_by_role("img", name="Photo 1 sent by the client")).to_be_visible()
    _log_the_newest_report(audit, two_cards["onset"])
    with live_app.app_context():
        kept = db.session.scalars(select(ClientPhoto)).one()
        assert f.exif_of(kept.jpeg) == {}

    _report_from_the_card(page, two_cards["tokens"][1], two_cards["day"])
    _log_the_newest_report(audit, two_cards["onset"])
    audit.goto("/audit/")
    audit.get_by_role("link", name="NC-77").click()
    assert "Sam Osei" in audit.locator("table.exposed").inner_text()
    screenshot(audit, "audit-signal")
    audit.get_by_label("Your reason (goes on the record)").fill("Two infections in a week")
    audit.get_by_role("button", name="Quarantine").click()
    audit.get_by_text("Quarantined: NC-77.").wait_for()
    staff.close()

    chair = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    tablet = chair.new_page()
    sign_in(tablet, TECH, f.PASSWORD)
    tablet.goto("/chair/?q=Robin")
    tablet.get_by_label("Treated area").fill("Crown")
    tablet.get_by_role("button", name="Start session for Robin Haas").click()
    tablet.wait_for_url("**/chair/sessions/*")
    tablet.locator("[data-scan-form][data-ready]").wait_for(state="attached")
    box = tablet.get_by_label("Scan a cartridge or pigment", exact=False)
    box.fill(two_cards["next_scan"])
    box.press("Enter")
    refusal = tablet.locator("[data-scan-result]:not(.scan-busy):not(:empty)")
    refusal.wait_for()
    assert "lot NC-77 is quarantined" in refusal.inner_text()
    assert "Two infections in a week" in refusal.inner_text()
    chair.close()
