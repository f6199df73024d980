"""The public record page: verdict first, no PII, no cookies, same 404 for any unknown token."""

from __future__ import annotations

import io
import re
import socket
import uuid

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db
from smp_hygiene.models import Addendum, Role, SafetyOverride, SessionStatus
from smp_hygiene.services.verification import tokens
from smp_hygiene.timeutil import utcnow
from tests.factories import make_recall, make_sealed_session, make_user


@pytest.fixture
def record(app):
    """A sealed session with a card; returns plain values, safe outside the app context."""
    with app.app_context():
        session = make_sealed_session()
        clinic = session.clinic
        clinic.phone, clinic.email = "+44 20 7946 0000", "front@clinic.example"
        tokens.issue_verification_token(session)
        db.session.commit()
        client = session.client
        return {
            "id": session.id,
            "token": session.verify_token,
            "lots": [use.lot.lot_number for use in session.uses],
            "pii": [
                client.full_name,
                client.phone,
                client.email,
                client.date_of_birth.isoformat(),
                client.date_of_birth.strftime("%d %b %Y"),
            ],
            "initials": client.initials,
        }


def _change(app, session_id, change):
    with app.app_context():
        from smp_hygiene.models import TreatmentSession

        change(db.session.get(TreatmentSession, session_id))
        db.session.commit()


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_anyone_can_open_a_sealed_record_with_the_verdict_first(client, record):
    response = client.get(f"/v/{record['token']}")
    page = _text(response)

    assert response.status_code == 200
    assert page.index("Genuine and sealed record") < page.index(record["lots"][0])
    for fact in (
        "+44 20 7946 0000",
        "front@clinic.example",
        "Session 1 of the course",
        "Ash",
        "Acme Pigments",
        "1RL 0.25",
        "result <strong>negative</strong>",
        "Complete: 1 item, signed",
        record["initials"],
        "Download as PDF",
    ):
        assert fact in page
    assert all(lot in page for lot in record["lots"])


def test_the_record_page_shows_no_client_pii(client, record):
    page = _text(client.get(f"/v/{record['token']}"))

    for private in record["pii"]:
        assert private not in page


def test_an_amended_record_lists_its_addenda(app, client, record):
    _change(
        app,
        record["id"],
        lambda s: s.addenda.append(
            Addendum(author=s.technician, reason="Wrong area", body="Treated area was the crown.")
        ),
    )

    page = _text(client.get(f"/v/{record['token']}"))

    assert "Genuine record, sealed, with 1 later addendum" in page
    assert "Wrong area" in page
    assert "Treated area was the crown." in page


def test_a_voided_record_says_so_before_anything_else(app, client, record):
    def void(session):
        session.status, session.voided_at = SessionStatus.VOIDED, utcnow()
        session.void_reason = "Entered for the wrong client"

    _change(app, record["id"], void)
    page = _text(client.get(f"/v/{record['token']}"))

    assert page.index("Voided record") < page.index(record["lots"][0])
    assert "Entered for the wrong client" in page
    assert "Genuine" not in page


def test_a_recalled_lot_is_announced_at_the_top_in_plain_words(app, client, record):
    def recall(session):
        make_recall(
            [session.uses[0].lot],
            reason="Bacterial contamination found",
            source_reference="A12/01234/25",
        )

    _change(app, record["id"], recall)
    page = _text(client.get(f"/v/{record['token']}"))

    notice = page.index("Recall: ")
    assert page.index("Genuine and sealed") < notice < page.index("<h2>Treatment</h2>")
    assert "Bacterial contamination found" in page
    assert "EU Safety Gate alert A12/01234/25" in page
    assert "What to do:" in page


def test_acknowledged_warnings_show_their_reasons(app, client, record):
    _change(
        app,
        record["id"],
        lambda s: s.overrides.append(
            SafetyOverride(
                code="healing_gap",
                message="Only 4 days since session 1.",
                reason="Client travels abroad",
                acknowledged_by=s.technician,
            )
        ),
    )

    page = _text(client.get(f"/v/{record['token']}"))

    assert "Only 4 days since session 1." in page
    assert "Client travels abroad" in page


UNKNOWN_PATHS = ["x", "%27%20OR%201=1", "a" * 300, "a/b", "x/record.pdf", "x/qr.png", ""]


def test_unknown_and_malformed_tokens_get_the_identical_404(client, record):
    near_miss = record["token"][:-1] + ("A" if record["token"][-1] != "A" else "B")

    pages = [client.get(f"/v/{t}") for t in (near_miss, *UNKNOWN_PATHS)]

    assert {p.status_code for p in pages} == {404}
    assert len({p.get_data() for p in pages}) == 1


def test_the_unknown_record_page_tells_a_patient_what_to_do(client, record):
    response = client.get("/v/no-such-token")

    page = _text(response)
    assert "We could not find this treatment record" in page
    assert "Scan the QR code on your aftercare card again" in page
    assert "Ask the clinic that treated you" in page
    assert "no-such-token" not in page
    assert "If you entered the URL manually" not in page


def test_a_replaced_card_says_so_and_shows_no_data(app, client, record):
    def replace(session):
        tokens.rotate_verification_token(session, make_user(Role.ADMIN, clinic=session.clinic))

    _change(app, record["id"], replace)
    response = client.get(f"/v/{record['token']}")

    assert response.status_code == 410
    assert "This card was replaced" in _text(response)
    assert not any(lot in _text(response) for lot in record["lots"])
    assert record["initials"] not in _text(response)


@pytest.mark.parametrize("suffix", ["", "/record.pdf", "/qr.png", "/qr.svg"])
def test_public_pages_set_no_cookie_and_forbid_indexing(client, login, record, suffix):
    login(Role.ADMIN)  # even a signed-in admin's session cookie is not refreshed here

    response = client.get(f"/v/{record['token']}{suffix}")

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["unknown-token", "unknown/token"])
def test_the_404_page_also_sets_no_cookie(client, login, record, path):
    login(Role.ADMIN)  # a signed-in admin's cookie is not refreshed here either

    response = client.get(f"/v/{path}")

    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_record_page_makes_no_third_party_requests(client, record):
    page = client.get(f"/v/{record['token']}").get_data(as_text=True)

    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert re.findall(r'(?:src|href)="(https?:)?//', page) == []
    assert "<script>" not in page


def test_the_pdf_has_the_same_content_and_no_pii(client, record):
    response = client.get(f"/v/{record['token']}/record.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)

    assert response.mimetype == "application/pdf"
    assert "Genuine and sealed record" in text
    assert all(lot in text for lot in record["lots"])
    assert not any(private in text for private in record["pii"])


def test_the_qr_code_decodes_to_the_signed_verify_url(app, client, record):
    response = client.get(f"/v/{record['token']}/qr.png")

    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))

    assert decoded[0].text.startswith(f"http://clinic.test/v/{record['token']}#1.")


def test_the_key_and_revocation_lists_are_public_json(client, record):
    keys = client.get("/.well-known/smp-hygiene-keys.json")
    revocations = client.get("/.well-known/smp-hygiene-revocations.json")

    assert keys.json["keys"][0]["alg"] == "Ed25519"
    assert revocations.json["lists"][0]["clinic_id"] == keys.json["keys"][0]["clinic_id"]
    assert "Set-Cookie" not in keys.headers


def test_the_offline_page_loads_only_its_own_scripts(client):
    page = client.get("/verify/offline").get_data(as_text=True)

    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/js/verify_offline.js">',
        '<script type="module" src="/static/js/camera.js">',
    ]


def test_only_the_offline_page_may_compile_the_camera_decoder(client, record):
    offline = client.get("/verify/offline").headers["Content-Security-Policy"]
    record_page = client.get(f"/v/{record['token']}").headers["Content-Security-Policy"]

    assert "script-src 'self' 'wasm-unsafe-eval'" in offline
    assert "wasm-unsafe-eval" not in record_page
    assert offline.startswith(record_page)  # otherwise the same policy


def test_the_offline_page_speaks_to_a_patient_with_the_detail_behind_a_link(client):
    page = client.get("/verify/offline").get_data(as_text=True)
    before_details, details = page.split('<details class="how">')

    assert "Scan the card" in before_details
    assert "Or paste the code from the card" in before_details
    assert "Ed25519" not in before_details
    assert ".well-known" not in before_details
    assert "Ed25519" in details


def _limited_app(tmp_path, storage: str, prefix: str = ""):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "APP_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SERVER_NAME": "clinic.test",
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_KEY_PREFIX": prefix,
            "VERIFY_RATE_LIMIT": "3 per minute",
        }
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.create_all()
    return app


def _hammer(app) -> list[int]:
    client = app.test_client()
    codes = [client.get("/v/no-such-token").status_code for _ in range(4)]
    other_ip = client.get("/v/no-such-token", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    return [*codes, other_ip.status_code]


def test_a_client_ip_over_the_limit_gets_429(tmp_path):
    app = _limited_app(tmp_path, "memory://")

    assert _hammer(app) == [404, 404, 404, 429, 404]


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_the_limit_holds_with_redis_storage(tmp_path):
    app = _limited_app(tmp_path, "redis://127.0.0.1:6379", f"smph-test-{uuid.uuid4().hex}")

    assert _hammer(app) == [404, 404, 404, 429, 404]


def _sealed_token(app) -> str:
    with app.app_context():
        session = make_sealed_session()
        tokens.issue_verification_token(session)
        db.session.commit()
        return session.verify_token


@pytest.mark.parametrize("suffix", ["", "/qr.png", "/qr.svg", "/record.pdf"])
def test_a_genuine_card_is_not_charged_but_guesses_from_the_address_still_are(tmp_path, suffix):
    app = _limited_app(tmp_path, "memory://")
    token, client = _sealed_token(app), app.test_client()

    genuine = [client.get(f"/v/{token}{suffix}").status_code for _ in range(5)]
    guesses = [client.get(f"/v/no-such-token{suffix}").status_code for _ in range(4)]

    assert genuine == [200] * 5  # a waiting room behind one address, all scanning their cards
    assert guesses == [404, 404, 404, 429]


def test_a_post_on_a_genuine_card_is_still_charged(tmp_path):
    app = _limited_app(tmp_path, "memory://")
    token, client = _sealed_token(app), app.test_client()

    codes = [client.post(f"/v/{token}/report", data={}).status_code for _ in range(4)]

    assert codes[-1] == 429


def test_a_refused_address_is_told_how_long_to_wait(tmp_path):
    client = _limited_app(tmp_path, "memory://").test_client()

    for _ in range(3):
        client.get("/v/no-such-token")
    refused = client.get("/v/no-such-token")

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"  # "3 per minute": at most the whole window
    assert "X-RateLimit-Remaining" not in refused.headers


ADMIN_CARD = "/admin/sessions/{id}/card"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.TECHNICIAN, 403),
        (Role.AUDITOR, 403),
        (Role.ADMIN, 200),
    ],
)
def test_only_admins_can_open_the_card_page(client, login, record, role, status):
    login(role)

    assert client.get(ADMIN_CARD.format(id=record["id"])).status_code == status


def test_anonymous_visitors_are_sent_to_login_from_the_card_page(client, record):
    response = client.post(ADMIN_CARD.format(id=record["id"]) + "/../card/replace")

    assert response.status_code in (302, 404)
    assert client.get(ADMIN_CARD.format(id=record["id"])).status_code == 302


def test_admin_can_replace_a_card_from_the_card_page(client, login, record):
    login(Role.ADMIN)

    response = client.post(
        ADMIN_CARD.format(id=record["id"]) + "/replace",
        data={"reason": "Client lost the card"},
        follow_redirects=True,
    )

    assert "A new card was issued" in _text(response)
    assert client.get(f"/v/{record['token']}").status_code == 410
