"""Signing keys and signed card codes: every way a code can fail says why."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smp_hygiene.errors import SigningKeyMissing
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry
from smp_hygiene.services.verification import offline_check, signed_codes, signing, tokens
from smp_hygiene.services.verification.offline_check import Status
from smp_hygiene.timeutil import utcnow
from tests.factories import make_clinic, make_sealed_session

BASE = "https://clinic.test/v/"


@pytest.fixture
def card(ctx):
    session = make_sealed_session()
    card = tokens.issue_verification_token(session)
    return session, card


def _text(card) -> str:
    return f"{BASE}{card.token}#{card.signed_code}"


def _check(text, now=None, revocations="auto"):
    docs = tokens.revocations_document() if revocations == "auto" else revocations
    return offline_check.check(text, signing.keys_document(), docs, now or utcnow())


def test_clinic_key_private_half_is_a_0600_file_outside_the_database(ctx, app):
    clinic = make_clinic()

    key = signing.ensure_clinic_key(clinic)

    path = signing.key_dir() / f"{key.key_id}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.is_relative_to(app.instance_path)
    assert b"PRIVATE KEY" in path.read_bytes()
    assert "PRIVATE" not in key.public_key
    assert len(signed_codes.b64d(key.public_key)) == 32


def test_ensure_clinic_key_is_idempotent(ctx):
    clinic = make_clinic()

    first, second = signing.ensure_clinic_key(clinic), signing.ensure_clinic_key(clinic)

    assert first is second


def test_private_key_can_come_from_the_environment(ctx, monkeypatch):
    clinic = make_clinic()
    key = signing.ensure_clinic_key(clinic)
    path = signing.key_dir() / f"{key.key_id}.pem"
    private = signing.private_key_for(key)
    raw = private.private_bytes_raw()
    path.unlink()
    monkeypatch.setenv(signing.env_name(key.key_id), __import__("base64").b64encode(raw).decode())

    loaded = signing.private_key_for(key)

    assert signing.public_bytes(loaded) == signing.public_bytes(private)


def test_missing_private_key_is_refused_with_where_to_put_it(ctx):
    key = signing.ensure_clinic_key(make_clinic())
    (signing.key_dir() / f"{key.key_id}.pem").unlink()

    with pytest.raises(SigningKeyMissing, match=f"set SMP_SIGNING_KEY_{key.key_id.upper()}"):
        signing.private_key_for(key)


def test_a_private_key_that_does_not_match_the_published_one_is_refused(ctx, monkeypatch):
    key = signing.ensure_clinic_key(make_clinic())
    other = Ed25519PrivateKey.generate().private_bytes_raw()
    monkeypatch.setenv(signing.env_name(key.key_id), __import__("base64").b64encode(other).decode())

    with pytest.raises(SigningKeyMissing, match="does not match"):
        signing.private_key_for(key)


def test_rotating_the_key_retires_the_old_one_and_audits_both(ctx):
    clinic = make_clinic()
    old = signing.ensure_clinic_key(clinic)

    new = signing.rotate_clinic_key(clinic)

    assert old.retired_at is not None
    assert new.retired_at is None
    assert signing.current_key(clinic) is new
    actions = [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == ["signing_key.created", "signing_key.retired", "signing_key.created"]


def test_keys_document_publishes_validity_and_no_private_material(ctx):
    clinic = make_clinic()
    signing.ensure_clinic_key(clinic)
    signing.rotate_clinic_key(clinic)

    keys = signing.keys_document()["keys"]

    assert [k["valid_until"] is None for k in keys] == [False, True]
    assert all(
        set(k)
        == {"key_id", "clinic_id", "clinic", "alg", "public_key", "valid_from", "valid_until"}
        for k in keys
    )


def test_a_freshly_signed_card_is_valid(card):
    session, issued = card

    verdict = _check(_text(issued))

    assert verdict.status is Status.VALID, verdict.reasons
    assert verdict.claims.token == session.verify_token


def test_a_card_whose_lot_list_was_changed_is_invalid(card):
    _, issued = card
    parts = issued.signed_code.split(".")
    parts[4] = signed_codes.lots_fingerprint(["FORGED-LOT"])

    verdict = _check(f"{BASE}{issued.token}#{'.'.join(parts)}")

    assert verdict.status is Status.INVALID
    assert verdict.reasons == [
        "the signature does not match the record: the code was altered or forged"
    ]


def test_a_card_signed_with_another_key_is_invalid(card):
    session, issued = card
    parts = issued.signed_code.split(".")
    forged = signed_codes.Claims(
        issued.token, parts[1], session.completed_at.date(), session.clinic_id, parts[4], parts[5]
    )
    code = signed_codes.sign(forged, Ed25519PrivateKey.generate())

    verdict = _check(f"{BASE}{issued.token}#{code}")

    assert verdict.status is Status.INVALID
    assert "altered or forged" in verdict.reasons[0]


def test_a_card_naming_an_unpublished_key_is_invalid(card):
    _, issued = card
    code = issued.signed_code.replace(issued.key_id, "deadbeef", 1)

    verdict = _check(f"{BASE}{issued.token}#{code}")

    assert verdict.reasons == ["signed with key 'deadbeef', which the clinic has not published"]


@pytest.mark.parametrize("cut", [1, 10, 90])
def test_a_truncated_card_is_invalid(card, cut):
    text = _text(card[1])

    verdict = _check(text[:-cut])

    assert verdict.status is Status.INVALID
    assert verdict.reasons == ["the signature is incomplete: the code was truncated or damaged"]


def test_a_card_with_no_signature_is_invalid(card):
    verdict = _check(f"{BASE}{card[1].token}")

    assert verdict.reasons == ["the code carries no signature (it may have been cut short)"]


def test_a_card_for_another_token_is_invalid(card):
    _, issued = card

    verdict = _check(f"{BASE}{tokens.new_token()}#{issued.signed_code}")

    assert verdict.status is Status.INVALID


def test_a_card_signed_after_its_key_was_retired_is_invalid(card):
    session, issued = card
    key = signing.current_key(session.clinic)
    key.retired_at = utcnow() - timedelta(days=3)

    verdict = _check(_text(issued))

    assert verdict.reasons == ["signed after the clinic retired this key"]


def test_old_cards_stay_valid_after_the_key_is_rotated(card):
    session, issued = card

    signing.rotate_clinic_key(session.clinic)

    assert _check(_text(issued)).status is Status.VALID


def test_a_few_minutes_of_clock_skew_are_tolerated(card):
    _, issued = card
    slow_device = utcnow() - timedelta(minutes=4)

    verdict = _check(_text(issued), now=slow_device)

    assert verdict.status is Status.VALID, verdict.reasons


def test_a_list_from_far_in_the_device_future_means_revocations_unchecked(ctx):
    session = make_sealed_session(completed_at=utcnow() - timedelta(days=2))
    issued = tokens.issue_verification_token(session)
    device_clock_behind = utcnow() - timedelta(hours=2)

    verdict = _check(_text(issued), now=device_clock_behind)

    assert verdict.status is Status.UNCHECKED
    assert "check this device's clock" in verdict.reasons[0]


def test_a_missing_revocation_list_never_yields_valid(card):
    verdict = _check(_text(card[1]), revocations=None)

    assert verdict.status is Status.UNCHECKED
    assert verdict.reasons == [
        "could not check for revocations: the revocation list could not be loaded"
    ]


def test_a_stale_revocation_list_is_not_trusted(card):
    verdict = _check(_text(card[1]), now=utcnow() + timedelta(days=8))

    assert verdict.status is Status.UNCHECKED
    assert "days old" in verdict.reasons[0]


def test_a_tampered_revocation_list_is_not_trusted(card):
    docs = tokens.revocations_document()
    docs["lists"][0]["payload"] = docs["lists"][0]["payload"].replace('"revoked":[', '"revoked": [')

    verdict = _check(_text(card[1]), revocations=docs)

    assert verdict.reasons == [
        "could not check for revocations: the revocation list's signature does not match"
    ]


def test_keys_file_has_no_private_key_material(ctx):
    signing.ensure_clinic_key(make_clinic())

    published = str(signing.keys_document())

    assert "PRIVATE" not in published
    assert not any(name.startswith("SMP_SIGNING_KEY_") for name in os.environ)
