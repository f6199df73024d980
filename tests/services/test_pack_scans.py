"""Instrument packs scanned at the chair go through the same scan box as supplies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from smp_hygiene.errors import UnsafeSupply
from smp_hygiene.extensions import db
from smp_hygiene.models import CycleStatus, PackUse, ProductKind
from smp_hygiene.services.sessions import lifecycle, sealing
from smp_hygiene.services.verification import public_records
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    gs1_for,
    make_checklist,
    make_cycle,
    make_lot,
    make_ready_session,
    make_spore_test,
    make_steriliser,
)


def _pack(status=CycleStatus.RELEASED):
    cycle = make_cycle(
        make_steriliser(name="Autoclave A"), status=status, started_at=utcnow() - timedelta(days=1)
    )
    if status is CycleStatus.RELEASED:
        cycle.released_at = utcnow() - timedelta(hours=20)
    make_spore_test(cycle, read_at=utcnow() - timedelta(hours=2))
    return cycle.packs[0]


def test_technician_can_scan_an_instrument_pack_label(ctx):
    session, pack = make_ready_session(), _pack()

    result = lifecycle.record_scan(session, f"SMPH-PACK:{pack.code}", session.technician)

    assert result.pack_use.pack is pack
    assert result.use is None
    assert session.pack_uses == [result.pack_use]


def test_the_same_pack_scanned_twice_at_once_is_recorded_once(ctx):
    session, pack = make_ready_session(), _pack()
    lifecycle.record_scan(session, f"SMPH-PACK:{pack.code}", session.technician)

    again = lifecycle.record_scan(session, f"SMPH-PACK:{pack.code}", session.technician)

    assert again.duplicate
    assert db.session.query(PackUse).count() == 1


def test_a_pack_from_an_unreleased_cycle_is_refused_at_the_chair(ctx):
    session, pack = make_ready_session(), _pack(CycleStatus.RECORDED)

    with pytest.raises(UnsafeSupply, match="which has not been released"):
        lifecycle.record_scan(session, f"SMPH-PACK:{pack.code}", session.technician)


def _sealed_with_pack():
    session, pack = make_ready_session(), _pack()
    for item in make_checklist(session.clinic):
        lifecycle.answer_item(session, item, session.technician)
    lifecycle.record_scan(
        session, gs1_for(make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)), session.technician
    )
    lifecycle.record_scan(session, f"SMPH-PACK:{pack.code}", session.technician)
    lifecycle.complete_session(session, session.technician)
    return session, pack


def test_the_seal_covers_the_packs_used(ctx):
    session, pack = _sealed_with_pack()
    db.session.commit()

    db.session.execute(
        text("UPDATE pack_use SET raw_barcode = 'SMPH-PACK:other' WHERE pack_id = :id"),
        {"id": pack.id},
    )
    db.session.commit()
    db.session.expire_all()

    assert sealing.verify_seals().broken_session_id == session.id


def test_the_patient_record_names_the_pack_cycle_and_release(ctx):
    session, pack = _sealed_with_pack()

    [line] = public_records.public_record(session).packs

    assert (line.code, line.steriliser, line.cycle) == (
        pack.code,
        "Autoclave A",
        pack.cycle.cycle_number,
    )
    assert line.released_at is not None
