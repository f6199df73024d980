"""The audit trail is append-only and tamper-evident."""

from __future__ import annotations

from sqlalchemy import text

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry
from smp_hygiene.services.audit import chain
from tests.factories import make_client, make_user


def _entries_for(n: int):
    actor = make_user()
    for _ in range(n):
        chain.record(actor, "client.created", make_client())
    db.session.commit()


def test_each_entry_links_to_the_one_before(ctx):
    _entries_for(3)

    entries = db.session.query(AuditEntry).order_by(AuditEntry.id).all()

    assert entries[0].prev_hash == chain.GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
    assert chain.verify_chain().ok


def test_auditor_can_detect_an_entry_edited_with_raw_sql(ctx):
    _entries_for(3)
    victim = db.session.query(AuditEntry).order_by(AuditEntry.id).all()[2]
    db.session.execute(
        text("UPDATE audit_entry SET action = 'client.viewed' WHERE id = :id"), {"id": victim.id}
    )
    db.session.commit()

    report = chain.verify_chain()

    assert report.broken_at == victim.id
    assert "changed after it was written" in report.problem


def test_auditor_can_detect_a_deleted_entry(ctx):
    _entries_for(4)
    ids = [e.id for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": ids[2]})
    db.session.commit()

    report = chain.verify_chain()

    assert report.broken_at == ids[3]
    assert "deleted or reordered" in report.problem


def test_canonical_form_is_independent_of_key_order():
    assert chain.canonical({"b": 1, "a": [1, "é"]}) == chain.canonical({"a": [1, "é"], "b": 1})
