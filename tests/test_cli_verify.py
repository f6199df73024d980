"""`verify-qr` checks a card with no database; `rotate-signing-key` starts a new key."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from smp_hygiene.extensions import db
from smp_hygiene.models import SessionStatus, SigningKey
from smp_hygiene.services.verification import offline_check, qrcodes, signing, tokens
from smp_hygiene.services.verification.offline_check import Status
from smp_hygiene.timeutil import utcnow
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


_NOW = utcnow()


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


def test_keys_default_to_the_codes_own_site_and_an_unreachable_site_could_not_check(app, card):
    result = _run(app, card["text"].replace("clinic.test", "127.0.0.1:9"))

    assert result.exit_code == 2
    assert result.output.startswith(
        "COULD NOT CHECK: could not load the keys from https://127.0.0.1:9/.well-known/"
    )


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


def _write(tmp_path, name: str, document) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def _load(path: str):
    with open(path) as file:
        return json.load(file)


def test_a_revocation_list_whose_signature_is_not_base64_could_not_be_checked(app, card, tmp_path):
    document = _load(card["revocations"])
    document["lists"][0]["signature"] = "not base64!!"

    result = _run(app, card["text"], "--keys", card["keys"], "--revocations",
                  _write(tmp_path, "bad.json", document))  # fmt: skip

    assert result.exit_code == 2, result.output
    assert result.output.startswith(
        "VALID SIGNATURE, REVOCATIONS NOT CHECKED: could not check for revocations: "
        "the revocation list's signature is not readable"
    )


@pytest.mark.parametrize("keys", [[], {"keys": {"k": 1}}, {"keys": ["k"]}, "keys", None, 7])
def test_a_keys_document_of_the_wrong_shape_could_not_be_checked(app, card, tmp_path, keys):
    result = _run(app, card["text"], "--keys", _write(tmp_path, "keys.json", keys),
                  "--revocations", card["revocations"])  # fmt: skip

    assert result.exit_code == 2, result.output
    assert result.output.startswith(
        "COULD NOT CHECK: could not check the signature: "
        "the published keys are not in the expected shape"
    )


def test_a_damaged_public_key_could_not_be_checked(app, card, tmp_path):
    document = _load(card["keys"])
    document["keys"][0]["public_key"] = "@@@"

    result = _run(app, card["text"], "--keys", _write(tmp_path, "keys.json", document))

    assert result.exit_code == 2, result.output
    assert "could not check the signature: the published key" in result.output
    assert "is damaged" in result.output


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
NOT_A_LIST_OF_DICTS = JSON.filter(
    lambda v: not (isinstance(v, list) and all(isinstance(k, dict) for k in v))
)
FUZZ = settings(max_examples=150, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip


@FUZZ
@given(document=JSON)
def test_any_keys_document_never_passes_a_card_nor_crashes(app, card, document):
    verdict = offline_check.check(card["text"], document, _load(card["revocations"]), _NOW)

    assert verdict.status in (Status.COULD_NOT_CHECK, Status.INVALID)


@FUZZ
@given(keys=NOT_A_LIST_OF_DICTS)
def test_keys_that_are_not_a_list_of_keys_could_not_be_checked(app, card, keys):
    verdict = offline_check.check(card["text"], {"keys": keys}, _load(card["revocations"]), _NOW)

    assert verdict.status is Status.COULD_NOT_CHECK


@FUZZ
@given(field=st.sampled_from(["key_id", "signature", "payload", "clinic_id"]), value=JSON)
def test_a_tampered_revocation_entry_is_never_valid_for_a_genuine_card(app, card, field, value):
    document = _load(card["revocations"])
    assume(document["lists"][0][field] != value)
    document["lists"][0][field] = value

    verdict = offline_check.check(card["text"], _load(card["keys"]), document, _NOW)

    assert verdict.status is Status.UNCHECKED
    assert verdict.reasons[0].startswith("could not check for revocations: ")


@FUZZ
@given(document=JSON)
def test_any_revocation_document_leaves_a_genuine_card_unchecked(app, card, document):
    verdict = offline_check.check(card["text"], _load(card["keys"]), document, _NOW)

    assert verdict.status is Status.UNCHECKED
