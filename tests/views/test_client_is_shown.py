"""What the client and an inspector are shown: pigment labels, a sterilisation notice and the
practitioner's licence, on the chair's screen, the card, the patient page, its PDF and reports."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from smp_hygiene.extensions import db
from smp_hygiene.models import CycleStatus, PackUse, ProductKind, Role, SporeResult
from smp_hygiene.services.sterilisation import spore_tests
from smp_hygiene.services.verification import signing, tokens
from smp_hygiene.timeutil import utcnow
from tests import factories as f

LICENCE = "licence BP-2231, issued by Brussels Health"
INGREDIENTS = "Aqua, CI 77266, Glycerin"
WARNINGS = "Contains nickel below 1 ppm"


def _quarantine_the_load_of_a_pack_used_in(session) -> None:
    steriliser = f.make_steriliser(session.clinic, name="Autoclave A")
    cycle = f.make_cycle(steriliser, status=CycleStatus.RELEASED, cycle_number=12)
    use = PackUse(session=session, pack=cycle.packs[0], used_by=session.technician)
    use.used_at = cycle.released_at + timedelta(minutes=5)
    db.session.add(use)
    spore_tests.record_spore_test(
        cycle,
        f.make_user(Role.AUDITOR, clinic=session.clinic),
        bi_lot="BI-77",
        result=SporeResult.POSITIVE,
        control_result=SporeResult.POSITIVE,
        read_at=utcnow(),
    )


@pytest.fixture
def shown(app):
    """A sealed session by a licensed technician, whose pack's load was later quarantined."""
    with app.app_context():
        session = f.make_sealed_session()
        session.technician.licence_number = "BP-2231"
        session.technician.licence_issuer = "Brussels Health"
        pigment = session.uses[0].lot
        pigment.label_warnings = WARNINGS
        tokens.issue_verification_token(session)
        _quarantine_the_load_of_a_pack_used_in(session)
        db.session.commit()
        client = session.client
        return {
            "id": session.id,
            "token": session.verify_token,
            "client": client.id,
            "pigment_lot": pigment.lot_number,
            "pii": [client.full_name, client.phone, client.email],
        }


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _pdf(response) -> str:
    assert response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    return re.sub(r"\s+", " ", text)


def test_patient_page_shows_each_pigments_label_the_licence_and_the_notice(client, shown):
    page = _text(client.get(f"/v/{shown['token']}"))

    assert "Genuine and sealed record" in page
    notice = page.index("Sterilisation notice: Grip and tube")
    assert page.index("there is a notice about this treatment below") < notice
    assert notice < page.index("<h2>Treatment</h2>")
    assert "Autoclave A, cycle 12. That load was quarantined on" in page
    assert f"Label of batch {shown['pigment_lot']}:</strong> “Mixture for use in tattoos" in page
    assert f"Ingredients:</strong> {INGREDIENTS}" in page
    assert f"Warnings:</strong> {WARNINGS}" in page
    assert "load later quarantined: see the sterilisation notice" in page
    assert f"<dd>{shown_technician(page)}, {LICENCE}</dd>" in page
    assert not any(private in page for private in shown["pii"])


def shown_technician(page: str) -> str:
    return re.search(r"<dt>Technician</dt><dd>([^,<]+),", page).group(1)


def test_patient_pdf_carries_the_same_label_licence_and_notice(client, shown):
    text = _pdf(client.get(f"/v/{shown['token']}/record.pdf"))

    for fact in ("Sterilisation notice", INGREDIENTS, WARNINGS, LICENCE, shown["pigment_lot"]):
        assert fact in text
    assert not any(private in text for private in shown["pii"])


def test_a_record_without_notices_has_no_notice_lead(app, client):
    with app.app_context():
        session = f.make_sealed_session()
        tokens.issue_verification_token(session)
        db.session.commit()
        token = session.verify_token

    page = _text(client.get(f"/v/{token}"))

    assert "Sterilisation notice" not in page
    assert "there is a notice about this treatment" not in page


def test_aftercare_card_lists_ingredients_and_the_licence(client, login, shown):
    login(Role.TECHNICIAN)

    page = _text(client.get(f"/chair/sessions/{shown['id']}/aftercare"))

    assert f"Ingredients: {INGREDIENTS}. Warnings: {WARNINGS}" in page
    assert "“Mixture for use in tattoos or permanent make-up”" in page
    assert LICENCE in page


def test_auditors_session_page_shows_the_licence_with_its_issuer(client, login, shown):
    login(Role.AUDITOR)

    page = _text(client.get(f"/audit/sessions/{shown['id']}"))

    assert f"<dt>Technician</dt><dd>{shown_technician(page)}, {LICENCE}</dd>" in page


def test_trace_reports_carry_the_technicians_licence(client, login, shown):
    login(Role.AUDITOR)

    lot_pdf = _pdf(client.get(f"/audit/trace/lot.pdf?lot={shown['pigment_lot']}"))
    client_pdf = _pdf(client.get(f"/audit/trace/clients/{shown['client']}.pdf"))
    lot_csv = client.get(f"/audit/trace/lot.csv?lot={shown['pigment_lot']}").get_data(as_text=True)

    assert "BP-2231, issued by Brussels" in lot_pdf  # the PDF wraps the long cell
    assert "BP-2231" in client_pdf
    assert LICENCE in lot_csv


def test_chair_screen_shows_the_labels_beside_the_attestation(app, client, login):
    with app.app_context():
        session = f.make_session()
        product = f.make_product(ProductKind.PIGMENT, session.clinic, name="Coal")
        f.make_lot(product, lot_number="23B0412", label_warnings=WARNINGS)
        f.make_lot(product, lot_number="OLD-1", expiry_date=utcnow().date() - timedelta(days=1))
        db.session.commit()
        session_id = session.id
    login(Role.TECHNICIAN)

    page = _text(client.get(f"/chair/sessions/{session_id}"))

    block = page[page.index("Pigment label information") : page.index("Record: label information")]
    assert "Acme Pigments Coal" in block
    assert "Batch <strong>23B0412</strong>" in block
    assert f"Ingredients: {INGREDIENTS}" in block
    assert f"Warnings: {WARNINGS}" in block
    assert "OLD-1" not in block


def test_verify_qr_reports_the_sterilisation_notice_and_exits_4(app, shown, tmp_path):
    with app.test_request_context():
        card = tokens.current_card(tokens.find_session_by_token(shown["token"]))
        text = tokens.qr_text(card, f"https://clinic.test/v/{card.token}")
        keys, revocations = tmp_path / "keys.json", tmp_path / "revocations.json"
        keys.write_text(json.dumps(signing.keys_document()))
        revocations.write_text(json.dumps(tokens.revocations_document()))

    args = ["verify-qr", text, "--keys", str(keys), "--revocations", str(revocations)]
    result = app.test_cli_runner().invoke(args=args)

    assert result.exit_code == 4, result.output
    assert result.output.startswith(
        "VALID, WITH A NOTICE: the instruments used were sterilised in a load later quarantined"
    )
