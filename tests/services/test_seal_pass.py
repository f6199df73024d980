"""The pass over sealed sessions read as rows: it recomputes what the ORM would, finds a changed
record in any batch and range, and holds the sealed sessions against the trail's completions."""

from __future__ import annotations

import tracemalloc

import pytest
from sqlalchemy import select, text

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic, TreatmentSession
from smp_hygiene.services.audit import chain, crosscheck, entities, seal_pass
from smp_hygiene.services.sessions import seal_loading, seal_rows, sealing
from tests.factories import make_clinic, make_sealed_session
from tests.test_tamper import _seal_a_session


def _sealed(clinic: Clinic) -> TreatmentSession:
    """A sealed session and its `session.completed` entry, as completion writes them."""
    session = make_sealed_session(clinic)
    session.sealed_digest = sealing.digest(session)
    chain.record(
        None,
        seal_pass.COMPLETED,
        session,
        after={"status": session.status, "sealed_digest": session.sealed_digest},
    )
    return session


@pytest.fixture
def twelve(ctx, monkeypatch):
    """Twelve sealed sessions, read two at a time, in ranges of five ids."""
    monkeypatch.setattr(seal_pass, "BATCH", 2)
    monkeypatch.setattr(seal_pass, "RANGE", 5)
    clinic = make_clinic()
    ids = [_sealed(clinic).id for _ in range(12)]
    db.session.commit()
    return ids


def test_a_sealed_record_read_as_rows_is_written_as_the_orm_record_is(ctx):
    rich = _seal_a_session()  # consent, patch test, pack, checklist, label information
    _sealed(make_clinic())
    db.session.commit()

    (batch,) = seal_rows.sealed_batches(0, None, 10)
    known = seal_loading.seal_inputs(batch)

    assert [s.id for s in batch][0] == rich.session
    for record in batch:
        session = db.session.get(TreatmentSession, record.id)
        as_rows = chain.canonical(sealing.sealed_content(record, known))
        assert as_rows == chain.canonical(sealing.sealed_content(session))  # the bytes hashed
        assert sealing.seal_matches(record, known)


def test_every_sealed_session_and_completion_is_checked_once(twelve):
    found = seal_pass.check_sealed_sessions()

    assert (found.checked, found.completions) == (12, 12)
    assert found.broken_session_id is None
    assert found.problems == []


def test_a_use_changed_in_a_later_batch_and_range_is_named(twelve):
    changed = twelve[8]
    db.session.execute(
        text("UPDATE supply_use SET quantity = 7 WHERE session_id = :id"), {"id": changed}
    )
    db.session.commit()

    found = seal_pass.check_sealed_sessions()

    assert found.broken_session_id == changed
    assert f"session #{changed} no longer matches its sealed digest" in found.broken
    assert [p for p in found.problems if f"#{changed} no longer matches the digest" in p]
    assert found.checked == 12


def test_a_time_stored_in_another_form_for_the_same_moment_keeps_the_seal(twelve):
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite keeps times as text; PostgreSQL does not")
    db.session.execute(text("UPDATE supply_use SET used_at = replace(used_at, ' ', 'T')"))
    db.session.execute(
        text("UPDATE treatment_session SET completed_at = substr(completed_at, 1, 26)")
    )
    db.session.commit()

    found = seal_pass.check_sealed_sessions()

    assert found.broken_session_id is None, found.broken


def test_a_use_moved_by_a_second_breaks_the_seal(twelve):
    db.session.execute(
        text("UPDATE supply_use SET used_at = :at WHERE session_id = :id"),
        {"at": "2020-01-01 00:00:01.000000", "id": twelve[3]},
    )
    db.session.commit()

    assert seal_pass.check_sealed_sessions().broken_session_id == twelve[3]


def test_a_seal_without_its_completion_entry_is_found(twelve):
    db.session.execute(
        text("DELETE FROM audit_entry WHERE entity_id = :id AND action = 'session.completed'"),
        {"id": str(twelve[10])},
    )
    db.session.commit()

    found = seal_pass.check_sealed_sessions()

    assert found.completions == 11
    assert found.problems == [
        f"{sealing.clinic_label(db.session.get(TreatmentSession, twelve[10]))}: session "
        f"#{twelve[10]} carries a seal that no entry of the audit trail records"
    ]


def test_a_session_unsealed_and_reset_is_held_against_its_completion(twelve):
    db.session.execute(
        text(
            "UPDATE treatment_session SET sealed_digest = NULL, status = 'in_progress' "
            "WHERE id = :id"
        ),
        {"id": twelve[5]},
    )
    db.session.commit()

    report = crosscheck.cross_check()

    assert report.completions == 12
    assert len(report.problems) == 1
    assert (
        f"session #{twelve[5]} is in progress but the audit trail sealed it" in (report.problems[0])
    )


def test_checking_ten_times_more_sessions_takes_about_the_same_memory(ctx, monkeypatch):
    monkeypatch.setattr(seal_pass, "BATCH", 20)
    monkeypatch.setattr(seal_rows, "LOTS_KEPT", 50)  # each session here has lots of its own
    clinic = make_clinic()

    def peak(sessions: int) -> int:
        for _ in range(sessions):
            _sealed(clinic)
        db.session.commit()
        last = db.session.scalar(select(TreatmentSession.id).order_by(TreatmentSession.id.desc()))
        tracemalloc.start()
        try:
            found = seal_pass.check_range(last - sessions, last)
            _, high = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert (found.checked, found.problems) == (sessions, [])
        return high

    small, large = peak(40), peak(400)

    assert large < small * 3, (small, large)


def test_records_of_kinds_without_a_model_or_an_integer_key_are_checked_too(ctx):
    clinic = make_clinic()
    for kind, key in (("Ghost", "1"), ("LoginThrottle", "gone@example.test"), ("Clinic", "007")):
        db.session.add(
            AuditEntry(
                clinic_id=clinic.id,
                actor_label="system",
                action="test.named",
                entity_type=kind,
                entity_id=key,
                prev_hash=f"{kind}{key}",
                entry_hash=f"{kind}{key}!",
            )
        )
    db.session.commit()

    kinds = {k.entity_type: k for k in (entities.check_kind(*n, 5) for n in entities.named_kinds())}

    assert [key for key, _ in kinds["Ghost"].missing] == ["1"]
    assert [key for key, _ in kinds["LoginThrottle"].missing] == ["gone@example.test"]
    assert [key for key, _ in kinds["Clinic"].missing] == ["007"]  # not how an id is written
