"""A patient's phone: open the record from the QR code, and check a card with no network."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from smp_hygiene.extensions import db
from smp_hygiene.services.verification import tokens
from tests.e2e.conftest import screenshot
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
    assert "revocation list checked" in page.locator("#result-details").inner_text()
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
    assert "could not check for revocations" in page.locator("#result-reasons").inner_text()
