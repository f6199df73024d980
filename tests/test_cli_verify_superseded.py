"""A card that is no longer its session's card is revoked at once, online and for `verify-qr`."""

from __future__ import annotations

import json

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import Role, TreatmentSession
from smp_hygiene.services.sessions import lifecycle
from smp_hygiene.services.verification import signed_codes, signing, tokens
from tests.factories import make_sealed_session, make_user


@pytest.fixture
def cards(app, tmp_path):
    """Two signed cards for one session, as a lost completion race used to leave them: the
    first was printed, the second is the session's card."""
    with app.test_request_context():
        session = make_sealed_session()
        loser = tokens.issue_verification_token(session)
        session.verify_token = None  # the winner's transaction wrote its own token
        winner = tokens.issue_verification_token(session)
        db.session.commit()
        keys = tmp_path / "keys.json"
        keys.write_text(json.dumps(signing.keys_document()))
        return {
            "id": session.id,
            "loser": tokens.qr_text(loser, f"https://clinic.test/v/{loser.token}"),
            "loser_token": loser.token,
            "winner": tokens.qr_text(winner, f"https://clinic.test/v/{winner.token}"),
            "keys": str(keys),
        }


def _revocations(app, tmp_path) -> str:
    """The list as published right now."""
    with app.app_context():
        path = tmp_path / "revocations-now.json"
        path.write_text(json.dumps(tokens.revocations_document()))
        db.session.rollback()
    return str(path)


def _verify(app, text: str, keys: str, revocations: str):
    return app.test_cli_runner().invoke(
        args=["verify-qr", text, "--keys", keys, "--revocations", revocations]
    )


def test_a_superseded_card_is_on_the_revocation_list_and_verify_qr_says_so(app, cards, tmp_path):
    revocations = _revocations(app, tmp_path)

    result = _verify(app, cards["loser"], cards["keys"], revocations)

    assert result.exit_code == 3, result.output
    assert "REVOKED: this card was replaced by a newer one" in result.output


def test_the_sessions_current_card_stays_valid(app, cards, tmp_path):
    revocations = _revocations(app, tmp_path)

    result = _verify(app, cards["winner"], cards["keys"], revocations)

    assert result.exit_code == 0, result.output


def test_the_list_names_the_superseded_card_once(app, cards):
    with app.app_context():
        document = tokens.revocations_document()

    payload = json.loads(document["lists"][0]["payload"])
    fingerprint = signed_codes.token_fingerprint(cards["loser_token"])
    assert [e["reason"] for e in payload["revoked"] if e["t"] == fingerprint] == ["replaced"]


def test_a_superseded_card_online_says_replaced_not_unknown(app, cards, client):
    response = client.get(f"/v/{cards['loser_token']}")

    assert response.status_code == 410


def test_voiding_revokes_the_card_at_once_for_verify_qr(app, cards, tmp_path):
    with app.app_context():
        session = db.session.get(TreatmentSession, cards["id"])
        lifecycle.void_session(
            session, make_user(Role.ADMIN, clinic=session.clinic), "Wrong client"
        )
        db.session.commit()
    revocations = _revocations(app, tmp_path)

    result = _verify(app, cards["winner"], cards["keys"], revocations)

    assert result.exit_code == 3, result.output
    assert "REVOKED: the clinic voided this record" in result.output


def test_replacing_revokes_the_old_card_at_once_for_verify_qr(app, cards, tmp_path):
    with app.app_context():
        session = db.session.get(TreatmentSession, cards["id"])
        admin = make_user(Role.ADMIN, clinic=session.clinic)
        tokens.rotate_verification_token(session, admin, "Card lost")
        db.session.commit()
    revocations = _revocations(app, tmp_path)

    result = _verify(app, cards["winner"], cards["keys"], revocations)

    assert result.exit_code == 3, result.output
    assert "this card was replaced" in result.output
