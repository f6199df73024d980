"""A pack from a load quarantined after a positive spore test: the patient page says so, and the
signed list offline verifiers read carries it as a notice, never as a revocation (R16)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import CycleStatus, LotStatus, PackUse, Role, SessionStatus, SporeResult
from smp_hygiene.services.sterilisation import notices, spore_tests
from smp_hygiene.services.verification import offline_check, public_records, signing, tokens
from smp_hygiene.services.verification.offline_check import Status
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    make_cycle,
    make_sealed_session,
    make_spore_test,
    make_steriliser,
    make_user,
)

# Every reason word a verifier deployed before notices existed acts on.
OLD_VERIFIER_WORDS = {"voided", "replaced", "recall"}
STERILISATION_TEXT = (
    "the instruments used were sterilised in a load later quarantined after a failed spore "
    "test: open the record or ask the clinic"
)
RECALL_TEXT = "a supply used in this treatment was recalled: open the record or ask the clinic"


@pytest.fixture
def sealed(ctx):
    session = make_sealed_session()
    tokens.issue_verification_token(session)
    return session


def _open_pack(session, cycle):
    use = PackUse(session=session, pack=cycle.packs[0], used_by=session.technician)
    use.used_at = cycle.released_at + timedelta(hours=1)
    db.session.add(use)
    db.session.flush()
    return use


def _spore_test(cycle, result=SporeResult.POSITIVE):
    return spore_tests.record_spore_test(
        cycle,
        make_user(Role.AUDITOR, clinic=cycle.steriliser.clinic),
        bi_lot="BI-77",
        result=result,
        control_result=SporeResult.POSITIVE,
        read_at=cycle.started_at + timedelta(days=1),
    )


def _released_cycle(session, **fields):
    steriliser = make_steriliser(session.clinic, name="Autoclave A")
    started = utcnow() - timedelta(days=3)
    return make_cycle(steriliser, status=CycleStatus.RELEASED, started_at=started, **fields)


def _entries(session) -> list[dict]:
    payload = json.loads(tokens.revocations_document()["lists"][0]["payload"])
    fingerprint = tokens.signed_codes.token_fingerprint(session.verify_token)
    return [entry for entry in payload["revoked"] if entry["t"] == fingerprint]


def _check(session):
    card = tokens.current_card(session)
    text = f"https://clinic.test/v/{card.token}#{card.signed_code}"
    keys, revocations = signing.keys_document(), tokens.revocations_document()
    return offline_check.check(text, keys, revocations, utcnow())


@pytest.fixture
def suspect(sealed):
    """The sealed session opened a pack from a load whose spore test then came back positive."""
    cycle = _released_cycle(sealed, cycle_number=12)
    _open_pack(sealed, cycle)
    _spore_test(cycle)
    return sealed


def test_patient_page_shows_a_sterilisation_notice_for_a_pack_from_a_quarantined_load(suspect):
    record = public_records.public_record(suspect)

    [notice] = record.sterilisation_notices
    assert (notice.steriliser, notice.cycle, notice.contents) == (
        "Autoclave A",
        12,
        "Grip and tube",
    )
    assert notice.found_on == (utcnow() - timedelta(days=2)).date()
    assert "see a doctor and show them this page" in notice.what_to_do
    assert record.packs[0].quarantined
    assert record.verdict == "sealed"  # a notice, not a broken seal or a void


def test_a_later_load_quarantined_after_the_session_still_reaches_its_record(sealed):
    used = _released_cycle(sealed)
    _open_pack(sealed, used)
    later = make_cycle(used.steriliser, status=CycleStatus.RELEASED, started_at=utcnow())

    _spore_test(later)

    assert [n.pack for n in public_records.public_record(sealed).sterilisation_notices] == [
        used.packs[0].code
    ]


@pytest.mark.parametrize("result", [SporeResult.NEGATIVE, None])
def test_no_notice_when_the_load_was_never_quarantined(sealed, result):
    cycle = _released_cycle(sealed)
    _open_pack(sealed, cycle)
    if result is not None:
        _spore_test(cycle, result)

    record = public_records.public_record(sealed)

    assert (record.sterilisation_notices, record.packs[0].quarantined) == ([], False)
    assert all(entry["reason"] != "recall" for entry in _entries(sealed))


def test_a_load_before_the_last_negative_spore_test_gives_no_notice(sealed):
    old = _released_cycle(sealed)
    _open_pack(sealed, old)
    checked = make_cycle(old.steriliser, status=CycleStatus.RELEASED, started_at=utcnow())
    make_spore_test(checked)
    failing = make_cycle(old.steriliser, status=CycleStatus.RELEASED, started_at=utcnow())

    _spore_test(failing)

    assert public_records.public_record(sealed).sterilisation_notices == []
    assert not notices.load_quarantined(old.packs[0])


def test_revocation_list_carries_the_notice_under_the_word_old_verifiers_know(suspect):
    [entry] = _entries(suspect)

    assert entry == {
        "t": tokens.signed_codes.token_fingerprint(suspect.verify_token),
        "reason": "recall",
        "at": None,
        "notice": "sterilisation",
    }
    assert suspect.verify_token not in json.dumps(tokens.revocations_document())


def test_every_published_reason_is_a_word_every_deployed_verifier_knows(suspect):
    suspect.uses[0].lot.status = LotStatus.RECALLED
    voided = make_sealed_session(suspect.clinic)
    tokens.issue_verification_token(voided)
    voided.status = SessionStatus.VOIDED
    tokens.rotate_verification_token(suspect, make_user(Role.ADMIN, clinic=suspect.clinic))

    payload = json.loads(tokens.revocations_document()["lists"][0]["payload"])

    assert {entry["reason"] for entry in payload["revoked"]} == OLD_VERIFIER_WORDS
    assert {entry.get("notice") for entry in payload["revoked"]} == {None, "sterilisation"}


def test_offline_check_says_genuine_with_a_sterilisation_notice(suspect):
    verdict = _check(suspect)

    assert (verdict.status, verdict.reasons) == (Status.RECALL, [STERILISATION_TEXT])
    assert verdict.exit_code == 4


def test_offline_check_names_both_a_supply_recall_and_a_sterilisation_notice(suspect):
    suspect.uses[0].lot.status = LotStatus.RECALLED

    verdict = _check(suspect)

    assert verdict.status is Status.RECALL
    assert sorted(verdict.reasons) == sorted([RECALL_TEXT, STERILISATION_TEXT])


def test_a_voided_record_stays_revoked_whatever_notice_it_has(suspect):
    suspect.status = SessionStatus.VOIDED

    verdict = _check(suspect)

    assert (verdict.status, verdict.reasons) == (Status.REVOKED, ["the clinic voided this record"])


@pytest.mark.parametrize(
    ("notice", "text"),
    [
        (None, RECALL_TEXT),
        ("sterilisation", STERILISATION_TEXT),
        ("a word from a newer server", offline_check.OTHER_NOTICE),
        ("", offline_check.OTHER_NOTICE),
        (7, offline_check.OTHER_NOTICE),
        (["sterilisation"], offline_check.OTHER_NOTICE),
        ({"kind": "sterilisation"}, offline_check.OTHER_NOTICE),
    ],
)
def test_any_notice_word_still_yields_a_notice_never_silence_or_a_crash(notice, text):
    entry = {"t": "x", "reason": "recall", "at": None}
    if notice is not None:
        entry["notice"] = notice

    assert offline_check.notice_texts([entry]) == [text]


def test_an_unknown_reason_word_without_recall_is_not_a_revocation():
    assert offline_check.notice_texts([{"t": "x", "reason": "sterilisation"}]) == []
