"""The audit trail is append-only and tamper-evident, one chain per clinic."""

from __future__ import annotations

from sqlalchemy import select, text

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, ChainCheckpoint, Clinic
from smp_hygiene.services.audit import chain, verifying
from tests.factories import make_client, make_clinic, make_cycle, make_steriliser, make_user
from tests.queries import count_queries


def _entries_for(n: int, clinic: Clinic | None = None) -> Clinic:
    actor = make_user(clinic=clinic)
    for _ in range(n):
        chain.record(actor, "client.created", make_client(clinic=actor.clinic))
    db.session.commit()
    return actor.clinic


def _chain_of(clinic: Clinic) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.clinic_id == clinic.id).order_by(AuditEntry.id)
    return list(db.session.scalars(stmt))


def test_each_entry_links_to_the_one_before_in_its_clinic(ctx):
    clinic = _entries_for(3)

    entries = _chain_of(clinic)

    assert entries[0].prev_hash == chain.GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
    assert verifying.verify_clinic_chain(clinic, full=True).ok


def test_each_clinic_starts_its_own_chain_from_genesis(ctx):
    first = _entries_for(2, make_clinic())
    second = _entries_for(2, make_clinic())

    assert _chain_of(first)[0].prev_hash == chain.GENESIS
    assert _chain_of(second)[0].prev_hash == chain.GENESIS


def test_an_entry_without_a_clinic_id_belongs_to_its_parents_clinic(ctx):
    make_clinic()
    steriliser = make_steriliser(clinic=make_clinic())
    pack = make_cycle(steriliser).packs[0]  # pack -> cycle -> steriliser -> clinic

    entry = chain.record(None, "instrument_pack.looked_at", pack)

    assert entry.clinic_id == steriliser.clinic_id


def test_the_clinic_itself_is_recorded_in_its_own_chain(ctx):
    clinic = make_clinic()

    assert chain.record(None, "clinic.created", clinic).clinic_id == clinic.id


def test_auditor_can_detect_an_entry_edited_with_raw_sql(ctx):
    clinic = _entries_for(3)
    victim = _chain_of(clinic)[2]
    db.session.execute(
        text("UPDATE audit_entry SET action = 'client.viewed' WHERE id = :id"), {"id": victim.id}
    )
    db.session.commit()

    report = verifying.verify_clinic_chain(clinic, full=True)

    assert report.broken_at == victim.id
    assert "changed after it was written" in report.problem


def test_auditor_can_detect_a_deleted_entry(ctx):
    clinic = _entries_for(4)
    ids = [e.id for e in _chain_of(clinic)]
    db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": ids[2]})
    db.session.commit()

    report = verifying.verify_clinic_chain(clinic, full=True)

    assert report.broken_at == ids[3]
    assert "deleted or reordered" in report.problem


def test_a_walk_starts_from_the_stored_verified_checkpoint(ctx):
    clinic = _entries_for(3)
    verifying.remember_verified(verifying.verify_clinic_chain(clinic))
    verified = len(_chain_of(clinic))
    _entries_for(2, clinic)

    report = verifying.verify_clinic_chain(clinic)

    assert report.ok
    assert report.entries == len(_chain_of(clinic))
    assert report.checked == report.entries - verified


def test_a_walk_from_the_checkpoint_notices_the_checkpointed_entry_was_removed(ctx):
    clinic = _entries_for(3)
    verifying.remember_verified(verifying.verify_clinic_chain(clinic))
    mark = db.session.scalars(select(ChainCheckpoint)).one()
    db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": mark.entry_id})
    db.session.commit()

    report = verifying.verify_clinic_chain(clinic)

    assert report.broken_at == mark.entry_id
    assert "changed or removed" in report.problem


def test_a_transaction_reads_its_chains_tail_once_however_many_entries_it_writes(ctx):
    clinic = _entries_for(1)
    actor = make_user(clinic=clinic)
    db.session.commit()

    with count_queries() as statements:
        for _ in range(3):
            chain.record(actor, "client.created", make_client(clinic=clinic))
    db.session.commit()

    assert sum("entry_hash" in s and s.startswith("SELECT") for s in statements) == 1
    assert verifying.verify_clinic_chain(clinic, full=True).ok


def test_an_entry_rolled_back_with_its_savepoint_is_not_taken_for_the_tail(ctx):
    clinic = _entries_for(1)
    actor = make_user(clinic=clinic)
    before = len(_chain_of(clinic))
    chain.record(actor, "client.created", make_client(clinic=clinic))
    with db.session.begin_nested() as savepoint:
        chain.record(actor, "client.created", make_client(clinic=clinic))
        savepoint.rollback()
    chain.record(actor, "client.created", make_client(clinic=clinic))
    db.session.commit()

    assert len(_chain_of(clinic)) == before + 2
    assert verifying.verify_clinic_chain(clinic, full=True).ok


def test_the_next_transaction_reads_the_tail_again(ctx):
    clinic = _entries_for(1)
    actor = make_user(clinic=clinic)
    db.session.commit()
    chain.record(actor, "client.created", make_client(clinic=clinic))
    db.session.rollback()

    chain.record(actor, "client.created", make_client(clinic=clinic))
    db.session.commit()

    assert verifying.verify_clinic_chain(clinic, full=True).ok


def test_canonical_form_is_independent_of_key_order():
    assert chain.canonical({"b": 1, "a": [1, "é"]}) == chain.canonical({"a": [1, "é"], "b": 1})
