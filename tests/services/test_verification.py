"""Tokens, card replacement, recall notices, the revocation list and the public record."""

from __future__ import annotations

import dataclasses
import json

import pytest
import zxingcpp
from PIL import Image

from smp_hygiene.errors import InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import Addendum, AuditEntry, LotStatus, Role, SessionStatus
from smp_hygiene.services.verification import public_records, qrcodes, signed_codes, tokens
from smp_hygiene.services.verification import tokens as verification
from smp_hygiene.timeutil import utcnow
from tests.factories import make_clinic, make_recall, make_sealed_session, make_session, make_user


@pytest.fixture
def sealed(ctx):
    session = make_sealed_session()
    verification.issue_verification_token(session)
    return session


def _revoked(reason: str) -> set[str]:
    payload = json.loads(verification.revocations_document()["lists"][0]["payload"])
    return {entry["t"] for entry in payload["revoked"] if entry["reason"] == reason}


def test_sealing_gives_a_144_bit_token_found_through_its_index(sealed):
    token = sealed.verify_token

    assert len(token) == 24
    assert verification.find_session_by_token(token) is sealed


def test_an_unsealed_session_cannot_get_a_card(ctx):
    session = make_session()

    with pytest.raises(InvalidInput, match="Only a sealed session gets a verification card."):
        verification.issue_verification_token(session)


def test_a_session_cannot_get_a_second_card_by_sealing_twice(sealed):
    with pytest.raises(InvalidInput, match="already has a verification card"):
        verification.issue_verification_token(sealed)


@pytest.mark.parametrize("token", ["", "x", "a" * 24, "a" * 65, "../etc/passwd", "' OR 1=1 --"])
def test_unknown_and_malformed_tokens_find_nothing(sealed, token):
    assert verification.find_session_by_token(token) is None


def test_admin_can_replace_a_card_and_the_old_token_shows_replaced(sealed):
    admin = make_user(Role.ADMIN, clinic=sealed.clinic)
    old_token = sealed.verify_token

    card = verification.rotate_verification_token(sealed, admin, "card lost")

    assert sealed.verify_token == card.token != old_token
    assert verification.find_session_by_token(old_token) is None
    assert verification.find_replaced_card(old_token).replace_reason == "card lost"
    entry = db.session.query(AuditEntry).filter_by(action="verify_card.replaced").one()
    assert entry.actor_id == admin.id
    assert old_token not in entry.before  # the audit names the token by fingerprint only


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_non_admin_cannot_replace_a_card(sealed, role):
    with pytest.raises(NotAllowed, match="Only an admin of this clinic"):
        verification.rotate_verification_token(sealed, make_user(role, clinic=sealed.clinic))


def test_admin_of_another_clinic_cannot_replace_a_card(sealed):
    outsider = make_user(Role.ADMIN, clinic=make_clinic())

    with pytest.raises(NotAllowed, match="Only an admin of this clinic"):
        verification.rotate_verification_token(sealed, outsider)


def test_recall_notices_name_what_why_source_and_advice(sealed):
    lot = sealed.uses[0].lot
    make_recall([lot], reason="Microbial contamination", source_reference="A12/00123/25")

    [notice] = public_records.public_record(sealed).recalls

    assert (notice.lots, notice.reason) == ([lot.lot_number], "Microbial contamination")
    assert "A12/00123/25" in notice.source
    assert "see a doctor and show them this page" in notice.what_to_do


def test_a_quarantined_lot_is_not_announced_as_a_recall(sealed):
    sealed.uses[0].lot.status = LotStatus.QUARANTINED

    assert public_records.public_record(sealed).recalls == []


def test_revocation_list_names_voided_replaced_and_recalled_records_by_fingerprint(sealed):
    voided = make_sealed_session(sealed.clinic)
    verification.issue_verification_token(voided)
    voided.status = SessionStatus.VOIDED
    old_token = sealed.verify_token
    verification.rotate_verification_token(sealed, make_user(Role.ADMIN, clinic=sealed.clinic))
    sealed.uses[1].lot.status = LotStatus.RECALLED

    assert _revoked("voided") == {signed_codes.token_fingerprint(voided.verify_token)}
    assert _revoked("replaced") == {signed_codes.token_fingerprint(old_token)}
    assert signed_codes.token_fingerprint(sealed.verify_token) in _revoked("recall")
    assert sealed.verify_token not in json.dumps(verification.revocations_document())


def test_public_record_of_a_normal_session_is_sealed_with_its_supplies(sealed):
    record = public_records.public_record(sealed)

    assert record.verdict == "sealed"
    assert [line.colour for line in record.pigments] == ["Ash"]
    assert [line.product for line in record.needles] == ["1RL 0.25"]
    assert record.patch_tests[0].result == "negative"
    assert record.checklist_complete


def test_public_record_with_an_addendum_is_amended(sealed):
    sealed.addenda.append(Addendum(author=sealed.technician, reason="Typo", body="Area: crown"))

    assert public_records.public_record(sealed).verdict == "amended"


def test_public_record_of_a_voided_session_says_voided(sealed):
    sealed.status, sealed.void_reason = SessionStatus.VOIDED, "Entered for the wrong client"

    record = public_records.public_record(sealed)

    assert (record.verdict, record.void_reason) == ("voided", "Entered for the wrong client")


def test_public_record_carries_no_client_pii(sealed):
    client = sealed.client

    shown = json.dumps(dataclasses.asdict(public_records.public_record(sealed)), default=str)

    for private in (client.full_name, client.phone, client.email, client.date_of_birth.isoformat()):
        assert private not in shown
    assert client.initials in shown


def test_signed_qr_fits_version_10_at_level_m_and_decodes_back(sealed):
    card = verification.current_card(sealed)
    # A long-ish real host name, so the measurement is not flattered by "clinic.test".
    text = verification.qr_text(card, f"https://records.example-clinic.co.uk/v/{card.token}")

    version = qrcodes.qr_version(text)
    decoded = zxingcpp.read_barcodes(Image.open(__import__("io").BytesIO(qrcodes.qr_png(text))))

    assert version <= 10, f"version {version} is too dense for a phone at arm's length"
    assert [(r.text, r.format) for r in decoded] == [(text, zxingcpp.BarcodeFormat.QRCode)]
    assert decoded[0].ec_level == "M"


def test_a_session_sealed_at_the_chair_gets_a_card_that_verifies_offline(ctx):
    from smp_hygiene.models import ProductKind
    from smp_hygiene.services.sessions import lifecycle
    from smp_hygiene.services.verification import offline_check, signing
    from tests.factories import gs1_for, make_checklist, make_lot, make_ready_session

    session = make_ready_session()
    for item in make_checklist(session.clinic):
        lifecycle.answer_item(session, item, session.technician)
    cartridge = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    lifecycle.record_scan(session, gs1_for(cartridge, serial="S1"), session.technician)
    lifecycle.complete_session(session, session.technician)
    card = verification.current_card(session)

    text = verification.qr_text(card, f"https://clinic.test/v/{card.token}")
    verdict = offline_check.check(
        text, signing.keys_document(), verification.revocations_document(), utcnow()
    )

    assert card.token == session.verify_token
    assert verdict.status is offline_check.Status.VALID, verdict.reasons


@pytest.mark.parametrize("text", ["", "abc\x00def", "a" * 65, "a/b", "a b", "é" * 10, "%00"])
def test_text_not_shaped_like_a_token_is_never_looked_up(text):
    assert not tokens.could_be_token(text)


def test_every_token_we_issue_is_shaped_like_one():
    assert all(tokens.could_be_token(tokens.new_token()) for _ in range(200))
