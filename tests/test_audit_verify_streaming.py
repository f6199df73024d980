"""`audit-verify` at scale: the chain and the seals are read in pages, so memory stays flat as
they grow; by default the walk starts at the last intact walk's checkpoint, `--full` from the
start, and both still catch tampering."""

from __future__ import annotations

import tracemalloc

from sqlalchemy import insert, text

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic
from smp_hygiene.services.audit import chain, chain_walk, verifying
from smp_hygiene.services.sessions import seal_rows, sealing
from smp_hygiene.timeutil import utcnow
from tests.factories import make_clinic, make_sealed_session


def _chain_of(clinic: Clinic, entries: int) -> None:
    """`entries` valid entries, written in bulk with the project's own hashing."""
    prev, rows, at = chain.GENESIS, [], utcnow()
    for n in range(entries):
        row = dict(
            clinic_id=clinic.id,
            at=at,
            actor_id=None,
            actor_label="system",
            action="bench.entry",
            entity_type="Clinic",
            entity_id=str(clinic.id),
            before="null",
            after=chain.canonical({"n": n, "padding": "x" * 200}),
            prev_hash=prev,
        )
        row["entry_hash"] = prev = chain.entry_hash(_Row(row))
        rows.append(row)
    db.session.execute(insert(AuditEntry), rows)
    db.session.commit()


class _Row:
    def __init__(self, values: dict) -> None:
        self.__dict__.update(values)


def _peak_walking(clinic: Clinic) -> int:
    tracemalloc.start()
    try:
        report = verifying.verify_clinic_chain(clinic, full=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok, report.problem
    return peak


# Small pages keep the chains small: with these, the longer chain peaks at ~1.0x the shorter's
# memory, and at ~12x when the walk reads it in one page (checked by setting PAGE very high).
def test_walking_a_ten_times_longer_chain_takes_about_the_same_memory(ctx, monkeypatch):
    monkeypatch.setattr(chain_walk, "PAGE", 250)
    short, long = make_clinic(), make_clinic()
    _chain_of(short, 1_000)
    _chain_of(long, 10_000)

    small, large = _peak_walking(short), _peak_walking(long)

    assert large < small * 2, (small, large)


def _sealed(clinic: Clinic) -> None:
    session = make_sealed_session(clinic)
    session.sealed_digest = sealing.digest(session)


def _peak_checking_seals() -> tuple[int, int]:
    tracemalloc.start()
    try:
        report = sealing.verify_seals()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok, report.problem
    return report.checked, peak


# As above: ~1.1x with batches of 10, ~9x when all 200 are checked in one batch.
def test_checking_ten_times_more_seals_takes_about_the_same_memory(ctx, monkeypatch):
    monkeypatch.setattr(sealing, "SEAL_BATCH", 10)
    monkeypatch.setattr(seal_rows, "LOTS_KEPT", 20)  # each session here has lots of its own
    clinic = make_clinic()
    for _ in range(20):
        _sealed(clinic)
    db.session.commit()
    few, small = _peak_checking_seals()
    for _ in range(180):
        _sealed(clinic)
    db.session.commit()

    many, large = _peak_checking_seals()

    assert (few, many) == (20, 200)
    assert large < small * 3, (small, large)


def test_a_changed_old_entry_is_found_by_a_full_walk_after_a_checkpoint(app):
    with app.app_context():
        clinic = make_clinic()
        _chain_of(clinic, 50)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit-verify"]).exit_code == 0
    with app.app_context():
        db.session.execute(text("UPDATE audit_entry SET actor_label = 'someone' WHERE id = 10"))
        db.session.commit()

    full = runner.invoke(args=["audit-verify", "--full"])

    assert full.exit_code == 1
    assert "entry 10 was changed after it was written" in full.stderr


def test_the_default_walk_starts_at_the_checkpoint_and_still_sees_it_moved(app):
    with app.app_context():
        clinic = make_clinic()
        _chain_of(clinic, 50)
        clinic_id = clinic.id
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit-verify"]).exit_code == 0
    with app.app_context():
        _chain_of_more(clinic_id, 5)

    again = runner.invoke(args=["audit-verify"])
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_entry WHERE id = 3"))
        db.session.commit()
    deleted = runner.invoke(args=["audit-verify"])

    assert again.exit_code == 0, again.output
    assert "55 audit entries chained (5 walked since the last checkpoint)" in again.output
    assert deleted.exit_code == 1
    assert "was changed or removed, or entries before it were" in deleted.stderr


def _chain_of_more(clinic_id: int, entries: int) -> None:
    clinic = db.session.get(Clinic, clinic_id)
    for n in range(entries):
        chain.record(None, "bench.more", clinic, after={"n": n})
    db.session.commit()
