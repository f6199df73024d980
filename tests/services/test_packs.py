"""Instrument packs at the chair (R13, R15, R17): what use_pack refuses, and in which words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from smp_hygiene.errors import (
    AlreadyUsed,
    InvalidInput,
    NotAllowed,
    NotFound,
    SessionNotOpen,
    UnsafeSupply,
    WarningNeedsAcknowledgement,
)
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AuditEntry,
    CycleStatus,
    OverdueMode,
    PackStatus,
    PackUse,
    SessionStatus,
    SporeResult,
)
from smp_hygiene.services.sterilisation import packs, spore_tests, sterilisers
from tests.factories import (
    make_client,
    make_clinic,
    make_cycle,
    make_session,
    make_spore_test,
    make_steriliser,
    make_user,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def released_pack(steriliser=None, **fields):
    """A pack from a released load whose spore test is current."""
    steriliser = steriliser or make_steriliser(name="Autoclave A")
    fields.setdefault("started_at", NOW - timedelta(days=1))
    cycle = make_cycle(steriliser, status=CycleStatus.RELEASED, **fields)
    make_spore_test(cycle, read_at=NOW - timedelta(hours=2))
    return cycle.packs[0]


def session_in(clinic):
    return make_session(make_client(clinic), technician=make_user(clinic=clinic))


def test_technician_can_use_a_released_pack(ctx):
    pack, session = released_pack(), make_session()

    use = packs.use_pack(session, pack.code, session.technician, NOW)

    assert (use.session, use.pack, use.used_at) == (session, pack, NOW)
    assert use.raw_barcode == f"SMPH-PACK:{pack.code}"
    assert pack.status is PackStatus.USED
    actions = [e.action for e in AuditEntry.query.order_by(AuditEntry.id)][-2:]
    assert actions == ["instrument_pack.used", "pack_use.recorded"]


def test_technician_cannot_use_a_pack_from_an_unreleased_cycle(ctx):
    cycle = make_cycle(make_steriliser(name="Autoclave A"), cycle_number=42)
    code, session = cycle.packs[0].code, make_session()

    with pytest.raises(
        UnsafeSupply,
        match=f"^Pack {code} is from cycle 42 on Autoclave A, which has not been released.$",
    ):
        packs.use_pack(session, code, session.technician, NOW)


def test_technician_cannot_use_a_pack_from_a_failed_cycle(ctx):
    cycle = make_cycle(status=CycleStatus.FAILED)
    pack = cycle.packs[0]
    pack.status, pack.status_reason = PackStatus.DISCARDED, "cycle 9 failed: wet load"
    session = make_session()

    with pytest.raises(
        UnsafeSupply, match=f"^Pack {pack.code} was discarded: cycle 9 failed: wet load.$"
    ):
        packs.use_pack(session, pack.code, session.technician, NOW)


def test_technician_cannot_use_a_pack_past_its_shelf_life(ctx):
    pack = released_pack(started_at=NOW - timedelta(days=1))
    pack.expires_on = date(2026, 11, 24)
    session = make_session()

    with pytest.raises(
        UnsafeSupply, match=f"^Pack {pack.code} passed its shelf life on 2026-11-24.$"
    ):
        packs.use_pack(session, pack.code, session.technician, NOW)


def test_technician_can_use_a_pack_on_its_last_day(ctx):
    pack = released_pack()
    pack.expires_on = NOW.date()
    session = make_session()

    packs.use_pack(session, pack.code, session.technician, NOW)

    assert pack.status is PackStatus.USED


def test_technician_cannot_use_a_pack_quarantined_by_a_positive_spore_test(ctx):
    steriliser = make_steriliser(name="Autoclave A")
    pack = released_pack(steriliser, started_at=datetime(2026, 11, 20, 9, tzinfo=UTC))
    spore_tests.record_spore_test(
        pack.cycle,
        pack.cycle.operator,
        bi_lot="BI-1",
        result=SporeResult.POSITIVE,
        control_result=SporeResult.POSITIVE,
        read_at=NOW - timedelta(hours=1),
    )
    session = make_session()

    with pytest.raises(
        UnsafeSupply,
        match=f"^Pack {pack.code} is quarantined: "
        "the spore test of 2026-11-20 on Autoclave A was positive.$",
    ):
        packs.use_pack(session, pack.code, session.technician, NOW)


def test_technician_cannot_use_a_pack_twice(ctx):
    pack = released_pack()
    first, second = make_session(), make_session()
    packs.use_pack(first, pack.code, first.technician, NOW)

    with pytest.raises(
        AlreadyUsed,
        match=f"^Pack {pack.code} was already used in session #{first.id} on 2026-11-25.$",
    ):
        packs.use_pack(second, pack.code, second.technician, NOW)


def test_technician_scanning_a_pack_again_in_the_same_session_is_told_so(ctx):
    pack, session = released_pack(), make_session()
    packs.use_pack(session, pack.code, session.technician, NOW)

    with pytest.raises(
        AlreadyUsed, match=f"^Pack {pack.code} is already recorded in this session.$"
    ):
        packs.use_pack(session, pack.code, session.technician, NOW)


def test_database_refuses_a_second_use_of_one_pack(ctx):
    pack, session = released_pack(), make_session()
    packs.use_pack(session, pack.code, session.technician, NOW)
    db.session.add(PackUse(session=make_session(), pack_id=pack.id, used_by=session.technician))

    with pytest.raises(IntegrityError, match="(?i)unique"):
        db.session.flush()


def test_technician_cannot_use_another_clinics_pack(ctx):
    pack = released_pack(make_steriliser(make_clinic()))
    session = session_in(make_clinic())

    with pytest.raises(
        NotFound, match=f"^Pack {pack.code} is not in this clinic's sterilisation log.$"
    ):
        packs.use_pack(session, pack.code, session.technician, NOW)


def test_technician_cannot_add_a_pack_to_a_completed_session(ctx):
    pack = released_pack()
    session = make_session(status=SessionStatus.COMPLETED)

    with pytest.raises(SessionNotOpen, match="^Only a session in progress can record a pack.$"):
        packs.use_pack(session, pack.code, session.technician, NOW)


def overdue_pack(mode: OverdueMode):
    clinic, admin = make_clinic(), make_user()
    settings = dict(sterilisers.DEFAULT_SETTINGS, spore_test_overdue_mode=mode)
    sterilisers.update_settings(clinic, admin, **settings)
    steriliser = make_steriliser(clinic, name="Autoclave A")
    old = make_cycle(steriliser, started_at=datetime(2026, 11, 1, 9, tzinfo=UTC))
    make_spore_test(old)
    cycle = make_cycle(steriliser, status=CycleStatus.RELEASED, started_at=NOW - timedelta(days=1))
    return cycle.packs[0], make_session(make_client(clinic), technician=admin)


OVERDUE = (
    "^The spore test of Autoclave A was due on 2026-11-08 and has not been recorded, "
    "so its packs are not proven sterile."
)


def test_overdue_spore_test_blocks_packs_when_the_clinic_says_block(ctx):
    pack, session = overdue_pack(OverdueMode.BLOCK)

    with pytest.raises(UnsafeSupply, match=OVERDUE + "$"):
        packs.use_pack(session, pack.code, session.technician, NOW, acknowledge_reason="urgent")


def test_overdue_spore_test_warns_when_the_clinic_says_warn(ctx):
    pack, session = overdue_pack(OverdueMode.WARN)

    with pytest.raises(
        WarningNeedsAcknowledgement, match=OVERDUE + " To continue, give a reason.$"
    ) as warned:
        packs.use_pack(session, pack.code, session.technician, NOW)

    assert warned.value.code == "spore_test_overdue"
    assert pack.status is PackStatus.AVAILABLE


def test_technician_can_use_a_pack_after_acknowledging_an_overdue_spore_test(ctx):
    pack, session = overdue_pack(OverdueMode.WARN)

    use = packs.use_pack(
        session, pack.code, session.technician, NOW, acknowledge_reason="test read tomorrow"
    )

    assert use.pack is pack
    assert [(o.code, o.reason) for o in session.overrides] == [
        ("spore_test_overdue", "test read tomorrow")
    ]


def test_auditor_can_discard_a_torn_pack(ctx):
    pack = released_pack()

    packs.discard_pack(pack, make_user(), "wrap torn", now=NOW)

    assert (pack.status, pack.status_reason) == (PackStatus.DISCARDED, "wrap torn")


def test_auditor_cannot_discard_a_pack_without_reason(ctx):
    with pytest.raises(InvalidInput, match="^Say why the pack is discarded"):
        packs.discard_pack(released_pack(), make_user(), " ")


def test_technician_cannot_add_a_pack_to_another_clinics_session(ctx):
    pack = released_pack()
    session = make_session()
    outsider = make_user(clinic=make_clinic())

    with pytest.raises(NotAllowed, match="^This session belongs to another clinic.$"):
        packs.use_pack(session, pack.code, outsider, NOW)


def test_sealed_record_names_the_pack_its_cycle_and_release(ctx):
    pack, session = released_pack(), make_session()
    packs.use_pack(session, pack.code, session.technician, NOW)

    sealed = [packs.sealed_pack(use) for use in packs.list_pack_uses(session)]

    assert sealed[0]["pack"] == pack.code
    assert sealed[0]["steriliser"] == "Autoclave A"
    assert (sealed[0]["cycle"], sealed[0]["released_at"]) == (
        pack.cycle.cycle_number,
        pack.cycle.released_at,
    )


def test_second_chair_losing_a_race_for_one_pack_gets_a_plain_message(ctx):
    pack, first, second = released_pack(), make_session(), make_session()
    assert pack.use is None  # the second chair has already looked
    db.session.execute(
        PackUse.__table__.insert().values(
            session_id=first.id, pack_id=pack.id, used_at=NOW, used_by_id=first.technician_id,
            raw_barcode="",
        )
    )  # fmt: skip

    with pytest.raises(AlreadyUsed, match=f"^Pack {pack.code} was just used in another session.$"):
        packs.use_pack(second, pack.code, second.technician, NOW)
