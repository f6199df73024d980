"""A crash half-way through a change loses nothing and leaves nothing half-done."""

from __future__ import annotations

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, ProductKind, SessionStatus, SupplyUse, TreatmentSession
from smp_hygiene.services.sessions import lifecycle, sealing
from tests.factories import gs1_for, make_checklist, make_lot, make_ready_session


def _crash(*_args, **_kwargs):
    raise RuntimeError("power cut")


def test_a_crash_while_sealing_leaves_the_session_open_and_its_scans_intact(ctx, monkeypatch):
    session = make_ready_session()
    for item in make_checklist(session.clinic):
        lifecycle.answer_item(session, item, session.technician)
    lifecycle.record_scan(
        session, gs1_for(make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)), session.technician
    )
    db.session.commit()
    session_id, entries = session.id, db.session.query(AuditEntry).count()
    monkeypatch.setattr(sealing, "digest", _crash)

    with pytest.raises(RuntimeError):
        lifecycle.complete_session(session, session.technician)
    db.session.rollback()

    reloaded = db.session.get(TreatmentSession, session_id)
    assert reloaded.status is SessionStatus.IN_PROGRESS
    assert reloaded.verify_token is None
    assert len(reloaded.uses) == 1
    assert db.session.query(AuditEntry).count() == entries


def test_a_crash_while_auditing_a_scan_saves_neither_the_use_nor_the_opening(ctx, monkeypatch):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    db.session.commit()
    from smp_hygiene.services.audit import chain as audit_log

    monkeypatch.setattr(audit_log, "record", _crash)

    with pytest.raises(RuntimeError):
        lifecycle.record_scan(session, gs1_for(lot, serial="X1"), session.technician)
    db.session.rollback()

    assert db.session.query(SupplyUse).count() == 0
