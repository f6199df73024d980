"""Spore (biological indicator) tests: recording, positive fallout, overdue checks (R15, R16)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from smp_hygiene.errors import DomainError, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BiologicalIndicatorTest,
    Clinic,
    CycleStatus,
    InstrumentPack,
    PackStatus,
    PackUse,
    SporeResult,
    Steriliser,
    SteriliserCycle,
    SteriliserStatus,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.sterilisation.sterilisers import settings_for
from smp_hygiene.timeutil import utcnow

# R16.3: one negative retest clears a first positive; a positive retest means repair and then
# three consecutive negative tests in an empty chamber.
RETESTS_AFTER_POSITIVE = 1
RETESTS_AFTER_POSITIVE_RETEST = 3


@dataclass(frozen=True)
class OverdueSporeTest:
    steriliser: Steriliser
    due_at: datetime
    last_test: BiologicalIndicatorTest | None

    @property
    def message(self) -> str:
        return (
            f"The spore test of {self.steriliser.name} was due on {self.due_at.date()} "
            "and has not been recorded, so its packs are not proven sterile."
        )


def record_spore_test(
    cycle: SteriliserCycle,
    user: User,
    *,
    bi_lot: str,
    result: SporeResult,
    control_result: SporeResult,
    read_at: datetime,
    lab_report_ref: str = "",
    is_retest: bool = False,
) -> BiologicalIndicatorTest:
    """Record a read spore test; a positive one takes the steriliser and its loads out of use."""
    if control_result is not SporeResult.POSITIVE:
        raise InvalidInput(
            f"The control from BI lot {bi_lot} did not grow, so this spore test is invalid: "
            "repeat it with indicators from a viable lot."
        )
    if read_at < cycle.started_at:
        raise InvalidInput(
            f"A spore test cannot be read before its cycle ran ({cycle.started_at.date()})."
        )
    test = BiologicalIndicatorTest(
        steriliser=cycle.steriliser,
        cycle=cycle,
        bi_lot=bi_lot.strip(),
        result=result,
        control_result=control_result,
        read_at=read_at,
        lab_report_ref=lab_report_ref.strip(),
        is_retest=is_retest,
        recorded_by=user,
    )
    db.session.add(test)
    if result is SporeResult.POSITIVE and settings_for(cycle.steriliser.clinic).reports_positive_bi:
        test.authority_report_due_on = next_business_day(read_at.date())
    chain.record(user, "spore_test.recorded", test)
    if result is SporeResult.POSITIVE:
        _take_out_of_service(test, user)
        _quarantine_suspect_loads(test, user)
    elif is_retest:
        _count_negative_retest(test, user)
    return test


def next_business_day(day: date) -> date:
    """Montana wants the report within one business day (R16.5); weekends are skipped."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _take_out_of_service(test: BiologicalIndicatorTest, user: User) -> None:
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


def _count_negative_retest(test: BiologicalIndicatorTest, user: User) -> None:
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


def _quarantine_suspect_loads(test: BiologicalIndicatorTest, user: User) -> None:
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


def record_authority_report(
    test: BiologicalIndicatorTest, user: User, reference: str, now: datetime | None = None
) -> None:
    """Note that the positive result was reported to the health authority, and how."""
    if test.authority_report_due_on is None:
        raise DomainError("No health-authority report is due for this spore test.")
    if test.authority_reported_at is not None:
        raise DomainError(
            f"This spore test was already reported on {test.authority_reported_at.date()}."
        )
    if not reference.strip():
        raise InvalidInput("Give the reference of the report (case number, email date...).")
    before = chain.snapshot(test)
    test.authority_reported_at = now or utcnow()
    test.authority_report_ref = reference.strip()
    chain.record(user, "spore_test.reported_to_authority", test, before=before)


def spore_test_overdue(steriliser: Steriliser, now: datetime) -> OverdueSporeTest | None:
    """A steriliser is due a spore test every interval, and from the day it is installed (R15)."""
    last = db.session.scalar(
        select(BiologicalIndicatorTest)
        .join(SteriliserCycle, BiologicalIndicatorTest.cycle_id == SteriliserCycle.id)
        .where(BiologicalIndicatorTest.steriliser_id == steriliser.id)
        .order_by(SteriliserCycle.started_at.desc())
        .limit(1)
    )
    if last is None:
        due_at = steriliser.installed_at
    else:
        interval = settings_for(steriliser.clinic).spore_test_interval_days
        due_at = last.cycle.started_at + timedelta(days=interval)
    return OverdueSporeTest(steriliser, due_at, last) if now > due_at else None


def overdue_spore_tests(clinic: Clinic, now: datetime | None = None) -> list[OverdueSporeTest]:
    """The clinic's in-service sterilisers whose spore test is overdue, for the dashboard."""
    now = now or utcnow()
    sterilisers = db.session.scalars(
        select(Steriliser)
        .filter_by(clinic_id=clinic.id, status=SteriliserStatus.IN_SERVICE)
        .order_by(Steriliser.name)
    )
    return [found for s in sterilisers if (found := spore_test_overdue(s, now))]
