"""The technician's day in a real headless Chromium at phone width."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image

from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, Role, SupplyLot, TreatmentSession
from smp_hygiene.timeutil import utcnow
from tests import factories as f
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
TECH = "tech@example.test"


@pytest.fixture
def clinic_day(live_app):
    """A technician, a consenting client cleared for one pigment, a checklist, fresh lots."""
    with live_app.app_context():
        clinic = f.make_clinic(name="Northside SMP", address="12 Harbour Street")
        tech = f.make_user(Role.TECHNICIAN, email=TECH, clinic=clinic)
        client = f.make_consenting_client(clinic, full_name="Jordan Mensah")
        cartridge = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, received_by=tech)
        pigment = f.make_lot(kind=ProductKind.PIGMENT, received_by=tech)
        expired = f.make_lot(
            kind=ProductKind.NEEDLE_CARTRIDGE,
            received_by=tech,
            lot_number="OLD-1",
            expiry_date=utcnow().date() - timedelta(days=10),
        )
        f.make_patch_test(client, [pigment.product])
        f.make_checklist(clinic, texts=("Hands washed", "Fresh gloves", "Barrier film on"))
        data = {
            "cartridge": f.gs1_for(cartridge, serial="E2E01"),
            "pigment": f.gs1_for(pigment),
            "expired": f.gs1_for(expired, serial="E2E02"),
            "expired_message": (
                f"Needle cartridge lot OLD-1 expired on {expired.expiry_date.isoformat()}."
            ),
            "new_gtin": f.make_product(ProductKind.NEEDLE_CARTRIDGE, name="RL3 0.30").gtin,
        }
        db.session.commit()
    return data


def _start_session(page, name: str) -> None:
    page.goto("/chair/?q=" + name.split()[0])
    page.get_by_label("Treated area").fill("Crown")
    page.get_by_role("button", name=f"Start session for {name}").click()
    page.wait_for_url("**/chair/sessions/*")


def _scan(page, text: str) -> str:
    """Type a scan and press Enter, as a keyboard-wedge scanner does; return what the page says."""
    page.locator("[data-scan-form][data-ready]").wait_for(state="attached")
    result = page.locator("[data-scan-result]")
    page.evaluate("() => { document.querySelector('[data-scan-result]').textContent = ''; }")
    box = page.get_by_label("Scan a cartridge or pigment", exact=False)
    box.fill(text)
    box.press("Enter")
    page.locator("[data-scan-result]:not(.scan-busy):not(:empty)").wait_for()
    return result.inner_text()


def test_technician_receives_a_lot_by_typing_a_raw_gs1_string(live_app, page, clinic_day):
    sign_in(page, TECH, f.PASSWORD)
    page.goto("/chair/receiving")
    screenshot(page, "chair-receiving")
    box = page.get_by_label("Scan the supplier barcode")

    box.type(f"01{clinic_day['new_gtin']}17301231" + "10E2E-LOT-7")
    page.keyboard.insert_text("\x1d")
    box.type("21SN0001")
    box.press("Enter")

    page.wait_for_url("**/chair/lots/*")
    assert page.locator("[data-lot-number]").inner_text() == "E2E-LOT-7"
    screenshot(page, "chair-lot")
    with live_app.app_context():
        assert db.session.query(SupplyLot).filter_by(lot_number="E2E-LOT-7").count() == 1


def test_technician_runs_a_session_from_start_to_aftercare_card(live_app, page, clinic_day):
    sign_in(page, TECH, f.PASSWORD)
    _start_session(page, "Jordan Mensah")
    page.get_by_label("The client has seen the batch number").check()
    page.get_by_role("button", name="Record: label information shown").click()
    page.get_by_text("Shown to the client at").wait_for()

    assert "Recorded" in _scan(page, clinic_day["cartridge"])
    assert "Recorded" in _scan(page, clinic_day["pigment"])
    assert "Already recorded." in _scan(page, clinic_day["pigment"])
    complete = page.get_by_role("button", name="Complete and seal session")
    assert complete.is_disabled()
    for box in page.locator("[data-tick]").all():
        box.check()
    page.wait_for_function("() => !document.querySelector('[data-complete]').disabled")
    screenshot(page, "chair-session")
    complete.click()

    page.wait_for_url("**/aftercare")
    page.wait_for_function("() => document.querySelector('.card-qr').naturalWidth > 0")
    screenshot(page, "chair-aftercare")
    png = page.locator(".card-qr").screenshot()
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    with live_app.app_context():
        session = db.session.query(TreatmentSession).filter_by(status="completed").one()
        assert len(session.uses) == 2
        token = session.verify_token
    base = page.url.split("/chair/")[0]
    [text] = decoded  # the verify URL, then the clinic's signed code after '#'
    assert text.split("#")[0] == f"{base}/v/{token}"
    assert page.locator("[data-verify-url]").inner_text() == f"{base}/v/{token}"


def test_an_expired_lot_is_refused_with_its_message(live_app, page, clinic_day):
    sign_in(page, TECH, f.PASSWORD)
    _start_session(page, "Jordan Mensah")

    message = _scan(page, clinic_day["expired"])

    assert message == clinic_day["expired_message"]
    assert page.locator("[data-scan-result]").get_attribute("aria-live") == "assertive"
    assert page.evaluate("document.activeElement.name") == "barcode"
    screenshot(page, "chair-refusal")


def test_a_new_client_signs_the_consent_on_the_screen(live_app, page, clinic_day):
    sign_in(page, TECH, f.PASSWORD)
    page.goto("/chair/clients/new")
    page.get_by_label("Full legal name").fill("Robin Haas")
    page.get_by_label("Date of birth").fill("1975-05-14")
    page.get_by_role("button", name="Add client and go to consent").click()
    page.wait_for_url("**/consent")

    for fieldset in page.locator("fieldset.yesno").all():
        fieldset.get_by_label("No").check()
    page.get_by_label("Document seen").select_option("passport")
    page.get_by_label("Document reference").fill("ends 4471")
    page.get_by_label("I explained this form").check()
    page.get_by_label("The client has a written copy").check()
    pad = page.locator("canvas").bounding_box()
    page.mouse.move(pad["x"] + 20, pad["y"] + pad["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(
            pad["x"] + 20 + step * 25, pad["y"] + pad["height"] * (0.3 + 0.4 * (step % 2))
        )
    page.mouse.up()
    screenshot(page, "chair-consent")
    page.get_by_role("button", name="Record signed consent").click()

    page.wait_for_url("**/chair/?q=*")
    assert "Consent signed by Robin Haas." in page.locator(".flashes").inner_text()
    assert page.get_by_role("button", name="Start session for Robin Haas").is_visible()
    screenshot(page, "chair-today")


def test_the_vendored_decoder_reads_our_lot_label_without_a_cdn(live_app, page, clinic_day):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, TECH, f.PASSWORD)
    with live_app.app_context():
        lot = db.session.query(SupplyLot).first()
        lot_id, code = lot.id, lot.label_code
    page.goto(f"/chair/lots/{lot_id}/label")
    page.wait_for_function("() => document.querySelector('.label-qr').naturalWidth > 0")

    found = page.evaluate(
        """async () => {
          const { getDetector } = await import('/static/js/decoder.js');
          const { detector, source } = await getDetector();
          // As a camera sees the printed label: dark modules on white paper.
          const img = document.querySelector('.label-qr');
          const canvas = document.createElement('canvas');
          canvas.width = canvas.height = 400;
          const context = canvas.getContext('2d');
          context.fillStyle = '#fff';
          context.fillRect(0, 0, 400, 400);
          context.drawImage(img, 0, 0, 400, 400);
          const codes = await detector.detect(canvas);
          return { source, text: codes.map((c) => c.rawValue) };
        }"""
    )

    assert found["text"] == [f"SMPH-LOT:{code}"]
    assert found["source"] in ("native", "zxing-wasm")
    origin = page.url.split("/chair/")[0]
    assert all(url.startswith(origin) for url in requests)
    screenshot(page, "chair-lot-label")


def test_technician_applies_and_reads_a_patch_test(live_app, page, clinic_day):
    sign_in(page, TECH, f.PASSWORD)
    page.goto("/chair/patch-tests")
    page.get_by_label("Find a client by name").fill("Jordan")
    page.get_by_role("button", name="Find", exact=True).click()
    assert page.get_by_label("Jordan Mensah, born 1990-05-17").is_checked()  # the one match
    page.locator("input[name=product_ids]").first.check()
    page.get_by_label("Site").fill("Behind the left ear")
    # Applied three days ago (the clinic is on UTC): a negative reading may be recorded now.
    page.get_by_label("Applied at").fill(f"{utcnow() - timedelta(days=3):%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Record test applied").click()

    page.get_by_text("Patch test applied for Jordan Mensah.").wait_for()
    screenshot(page, "chair-patch-tests")
    page.get_by_label("Negative").check()
    page.get_by_role("button", name="Record reading").click()

    page.get_by_text("Reading recorded: negative.").wait_for()
    assert page.get_by_text("No patch test is waiting to be read.").is_visible()
