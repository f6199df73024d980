"""`verify-qr` checks a card with no database; `rotate-signing-key` starts a new key."""

from __future__ import annotations

import json

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import SessionStatus, SigningKey
from smp_hygiene.services.verification import qrcodes, signing, tokens
from tests.factories import make_clinic, make_sealed_session


@pytest.fixture
def card(app, tmp_path):
    """A card's QR text, and the published key and revocation lists saved as files."""
    with app.test_request_context():
        session = make_sealed_session()
        issued = tokens.issue_verification_token(session)
        db.session.commit()
        text = tokens.qr_text(issued, f"https://clinic.test/v/{issued.token}")
        keys, revocations = tmp_path / "keys.json", tmp_path / "revocations.json"
        keys.write_text(json.dumps(signing.keys_document()))
        revocations.write_text(json.dumps(tokens.revocations_document()))
        return {"id": session.id, "text": text, "keys": str(keys), "revocations": str(revocations)}


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["verify-qr", *args])


def test_a_genuine_card_text_is_valid(app, card):
    result = _run(app, card["text"], "--keys", card["keys"], "--revocations", card["revocations"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("VALID: genuine and sealed; not revoked")


def test_a_genuine_card_image_is_read_with_zxing_and_valid(app, card, tmp_path):
    image = tmp_path / "card.png"
    image.write_bytes(qrcodes.qr_png(card["text"]))

    result = _run(app, str(image), "--keys", card["keys"], "--revocations", card["revocations"])

    assert result.exit_code == 0, result.output


def test_a_truncated_card_is_invalid_and_says_why(app, card):
    result = _run(app, card["text"][:-5], "--keys", card["keys"])

    assert result.exit_code == 1
    assert "INVALID: the signature is incomplete" in result.output


def test_without_a_revocation_list_the_card_is_not_called_valid(app, card):
    result = _run(app, card["text"], "--keys", card["keys"])

    assert result.exit_code == 2
    assert "could not check for revocations" in result.output


def test_a_voided_record_is_revoked_offline(app, card, tmp_path):
    with app.app_context():
        from smp_hygiene.models import TreatmentSession

        db.session.get(TreatmentSession, card["id"]).status = SessionStatus.VOIDED
        db.session.flush()
        fresh = tmp_path / "fresh.json"
        fresh.write_text(json.dumps(tokens.revocations_document()))

    result = _run(app, card["text"], "--keys", card["keys"], "--revocations", str(fresh))

    assert result.exit_code == 3
    assert "REVOKED: the clinic voided this record" in result.output


def test_keys_default_to_the_codes_own_site_and_an_unreachable_site_is_an_error(app, card):
    result = _run(app, card["text"].replace("clinic.test", "127.0.0.1:9"))

    assert result.exit_code == 1
    assert "Could not load the keys from https://127.0.0.1:9/.well-known/" in result.output


def test_admin_can_rotate_the_signing_key_from_the_command_line(app):
    with app.app_context():
        clinic = make_clinic()
        old = signing.ensure_clinic_key(clinic).key_id
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["rotate-signing-key"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        keys = db.session.query(SigningKey).order_by(SigningKey.id).all()
        assert [k.key_id == old for k in keys] == [True, False]
        assert keys[0].retired_at is not None
        assert f"now signs with key {keys[1].key_id}" in result.output
