"""A patient's phone: open the record from the QR code, and check a card with no network."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from smp_hygiene.extensions import db
from smp_hygiene.services.verification import tokens
from tests.e2e.conftest import CHROMIUM_FLAGS, chromium_path, screenshot
from tests.factories import make_sealed_session

pytestmark = pytest.mark.e2e


@pytest.fixture
def token(live_app):
    with live_app.app_context():
        session = make_sealed_session()
        tokens.issue_verification_token(session)
        db.session.commit()
        return session.verify_token


def _decoded_qr(page, token: str) -> str:
    png = page.request.get(f"/v/{token}/qr.png").body()
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text


def test_patient_can_open_the_record_from_the_decoded_qr_code(page, token):
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto(_decoded_qr(page, token))

    assert page.locator("#verdict h1").inner_text() == "Genuine and sealed record"
    assert page.get_by_role("link", name="Download as PDF").is_visible()
    assert all(url.startswith(page.url.split("/v/")[0]) for url in requests)
    assert page.context.cookies() == []
    screenshot(page, "verify-record")


def _open_offline_checker(page):
    page.goto("/verify/offline")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("body[data-scanner=ready]")  # the camera's decoder, kept for offline


def _check(page, text: str) -> str:
    page.get_by_label("Code from the card").fill(text)
    page.get_by_role("button", name="Check").click()
    page.wait_for_selector("#result:not([hidden])")
    return page.locator("#result").get_attribute("data-status")


def test_offline_page_verifies_a_card_with_the_network_blocked(page, token):
    code = _decoded_qr(page, token)
    _open_offline_checker(page)
    blocked = []
    page.route("**/*", lambda route: (blocked.append(route.request.url), route.abort()))
    page.context.set_offline(True)

    status = _check(page, code)

    assert status == "valid", page.locator("#result").inner_text()
    assert "list of withdrawn cards checked" in page.locator("#result-details").inner_text()
    assert page.locator("#result-title").inner_text() == "Genuine card"
    assert blocked == []
    screenshot(page, "verify-offline")


def test_offline_page_rejects_a_card_with_a_changed_lot(page, token):
    code = _decoded_qr(page, token)
    parts = code.split(".")
    parts[-3] = "AAAAAAAAAAAA"  # the lot fingerprint
    _open_offline_checker(page)
    page.context.set_offline(True)

    status = _check(page, ".".join(parts))

    assert status == "invalid"
    assert "altered or forged" in page.locator("#result-reasons").inner_text()


def test_offline_page_never_says_valid_when_revocations_failed_to_load(page, token):
    code = _decoded_qr(page, token)
    page.route("**/smp-hygiene-revocations.json", lambda route: route.abort())
    _open_offline_checker(page)

    status = _check(page, code)

    assert status == "unchecked"
    assert (
        "could not check whether the clinic withdrew it"
        in page.locator("#result-reasons").inner_text()
    )


def _camera_feed(png: bytes, path: Path) -> Path:
    """The card's QR code as a phone camera would film it: a Y4M clip Chromium plays as a webcam."""
    qr = Image.open(io.BytesIO(png)).convert("L")
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr.resize((440, 440), Image.Resampling.NEAREST), (100, 20))
    grey = bytes([128]) * (320 * 240)  # no colour: both chroma planes neutral
    with path.open("wb") as clip:
        clip.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(3):
            clip.write(b"FRAME\n" + frame.tobytes() + grey + grey)
    return path


@pytest.fixture
def camera_page(browser, live_server, token, tmp_path):
    """A phone whose camera sees the patient's aftercare card."""
    import urllib.request

    with urllib.request.urlopen(f"{live_server}/v/{token}/qr.png") as response:  # noqa: S310
        clip = _camera_feed(response.read(), tmp_path / "card.y4m")
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}",
    ]
    phone = browser.browser_type.launch(
        executable_path=chromium_path(), args=CHROMIUM_FLAGS + camera
    )
    context = phone.new_context(base_url=live_server, permissions=["camera"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()
    phone.close()


def test_patient_checks_the_card_by_scanning_it_with_the_camera(camera_page, token):
    page = camera_page
    _open_offline_checker(page)
    page.context.set_offline(True)

    page.get_by_role("button", name="Scan the card").click()

    page.wait_for_selector("#result:not([hidden])")
    assert page.locator("#result").get_attribute("data-status") == "valid"
    assert f"/v/{token}#1." in page.get_by_label("Or paste the code from the card").input_value()
    assert page.locator(".camera-view").is_hidden()  # the camera is closed once the code is read


def test_the_offline_checker_speaks_to_the_patient_and_keeps_the_detail_aside(page):
    _open_offline_checker(page)

    visible = page.locator("main").inner_text()

    assert page.get_by_role("button", name="Scan the card").is_visible()
    assert "Ready to check cards" in visible
    assert "Ed25519" not in visible
    assert ".well-known" not in visible
    page.get_by_text("How this works").click()
    assert "Ed25519" in page.locator("details.how").inner_text()


def test_an_unknown_card_code_opens_a_page_that_says_what_to_do(page):
    page.goto("/v/no-such-card")

    assert page.locator("h1").inner_text() == "We could not find this treatment record"
    assert page.get_by_text("Ask the clinic that treated you").is_visible()
    screenshot(page, "verify-unknown")
