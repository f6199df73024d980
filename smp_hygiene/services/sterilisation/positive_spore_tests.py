"""What a positive spore test sets off: the steriliser out of service, every load since the
last negative test quarantined, and the negative retests that bring the steriliser back (R16)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BiologicalIndicatorTest,
    CycleStatus,
    InstrumentPack,
    PackStatus,
    PackUse,
    SporeResult,
    SteriliserCycle,
    SteriliserStatus,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.timeutil import utcnow

# R16.3: one negative retest clears a first positive; a positive retest means repair and then
# three consecutive negative tests in an empty chamber.
RETESTS_AFTER_POSITIVE = 1
RETESTS_AFTER_POSITIVE_RETEST = 3


def take_out_of_service(test: BiologicalIndicatorTest, user: User) -> None:
    """A positive test stops the steriliser until enough negative retests clear it (R16.3)."""
    steriliser = test.steriliser
    before = chain.snapshot(steriliser)
    needed = RETESTS_AFTER_POSITIVE
    if test.is_retest or steriliser.negative_retests_needed:
        needed = RETESTS_AFTER_POSITIVE_RETEST
    steriliser.status = SteriliserStatus.OUT_OF_SERVICE
    steriliser.negative_retests_needed = needed
    steriliser.status_reason = f"{_positive_reason(test)}; {needed} negative retest(s) needed"
    if needed == RETESTS_AFTER_POSITIVE_RETEST:
        steriliser.status_reason += " in an empty chamber after repair"
    chain.record(user, "steriliser.out_of_service", steriliser, before=before)


def count_negative_retest(test: BiologicalIndicatorTest, user: User) -> None:
    """Each negative retest counts down; the last one returns the steriliser to service."""
    steriliser = test.steriliser
    if steriliser.negative_retests_needed == 0:
        return
    before = chain.snapshot(steriliser)
    steriliser.negative_retests_needed -= 1
    if steriliser.negative_retests_needed == 0:
        steriliser.status = SteriliserStatus.IN_SERVICE
        steriliser.status_reason = ""
    else:
        steriliser.status_reason = (
            f"{steriliser.negative_retests_needed} more negative retest(s) needed"
        )
    chain.record(user, "steriliser.retest_counted", steriliser, before=before)


def _positive_reason(test: BiologicalIndicatorTest) -> str:
    return (
        f"the spore test of {test.cycle.started_at.date()} on {test.steriliser.name} was positive"
    )


def quarantine_suspect_loads(test: BiologicalIndicatorTest, user: User) -> None:
    """Every load since the last negative spore test is suspect, used packs included (R16.2)."""
    reason, now = _positive_reason(test), utcnow()
    for cycle in suspect_cycles(test):
        before = chain.snapshot(cycle)
        cycle.status, cycle.status_reason = CycleStatus.QUARANTINED, reason
        for pack in cycle.packs:
            pack.quarantined_by_test_id = pack.quarantined_by_test_id or test.id
            if pack.status is PackStatus.AVAILABLE:
                pack.status, pack.status_reason, pack.status_changed_at = (
                    PackStatus.QUARANTINED,
                    reason,
                    now,
                )
        after = chain.snapshot(cycle) | {"packs": [pack.code for pack in cycle.packs]}
        chain.record(user, "steriliser_cycle.quarantined", cycle, before=before, after=after)


def suspect_cycles(test: BiologicalIndicatorTest) -> list[SteriliserCycle]:
    """The tested load and every later one back to the last earlier negative test, failed aside."""
    last_negative = db.session.scalar(
        select(SteriliserCycle.started_at)
        .join(BiologicalIndicatorTest, BiologicalIndicatorTest.cycle_id == SteriliserCycle.id)
        .where(
            BiologicalIndicatorTest.steriliser_id == test.steriliser_id,
            BiologicalIndicatorTest.result == SporeResult.NEGATIVE,
            SteriliserCycle.started_at < test.cycle.started_at,
        )
        .order_by(SteriliserCycle.started_at.desc())
        .limit(1)
    )
    query = (
        select(SteriliserCycle)
        .options(joinedload(SteriliserCycle.packs))
        .filter_by(steriliser_id=test.steriliser_id)
        .where(SteriliserCycle.status != CycleStatus.FAILED)
        .order_by(SteriliserCycle.started_at)
    )
    if last_negative is not None:
        query = query.where(
            (SteriliserCycle.started_at > last_negative) | (SteriliserCycle.id == test.cycle_id)
        )
    return list(db.session.scalars(query).unique())


def sessions_using_suspect_packs(test: BiologicalIndicatorTest) -> list[PackUse]:
    """The pack uses (with session and client) of packs this positive test made suspect (R16.4)."""
    return list(
        db.session.scalars(
            select(PackUse)
            .join(InstrumentPack, PackUse.pack_id == InstrumentPack.id)
            .where(InstrumentPack.quarantined_by_test_id == test.id)
            .options(
                joinedload(PackUse.pack).joinedload(InstrumentPack.cycle),
                joinedload(PackUse.session).joinedload(TreatmentSession.client),
                joinedload(PackUse.used_by),
            )
            .order_by(PackUse.used_at)
        )
    )


def quarantined_packs(test: BiologicalIndicatorTest) -> list[InstrumentPack]:
    """Every pack this positive test made suspect, used or not."""
    return list(
        db.session.scalars(
            select(InstrumentPack)
            .filter_by(quarantined_by_test_id=test.id)
            .options(joinedload(InstrumentPack.cycle))
            .order_by(InstrumentPack.id)
        )
    )
