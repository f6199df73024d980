"""Spore (biological indicator) tests: recording, the authority report, overdue checks (R15, R16).

What a positive test sets off (steriliser out of service, suspect loads quarantined, retests
counted) lives in positive_spore_tests.py; its reads are re-exported here for the views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select

from smp_hygiene.errors import DomainError, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BiologicalIndicatorTest,
    Clinic,
    SporeResult,
    Steriliser,
    SteriliserCycle,
    SteriliserStatus,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.sterilisation.positive_spore_tests import (
    count_negative_retest,
    quarantine_suspect_loads,
    quarantined_packs,
    sessions_using_suspect_packs,
    suspect_cycles,
    take_out_of_service,
)
from smp_hygiene.services.sterilisation.sterilisers import settings_for

__all__ = [
    "OverdueSporeTest",
    "next_business_day",
    "overdue_spore_tests",
    "quarantined_packs",
    "record_authority_report",
    "record_spore_test",
    "sessions_using_suspect_packs",
    "spore_test_overdue",
    "suspect_cycles",
]
from smp_hygiene.timeutil import utcnow


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
    _require_valid_reading(cycle, bi_lot, control_result, read_at)
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
        take_out_of_service(test, user)
        quarantine_suspect_loads(test, user)
    elif is_retest:
        count_negative_retest(test, user)
    return test


def spore_tests_query(clinic: Clinic, steriliser_id: int | None = None) -> Select:
    """The clinic's spore tests (or one steriliser's), for a listing by id."""
    query = (
        select(BiologicalIndicatorTest)
        .join(Steriliser, Steriliser.id == BiologicalIndicatorTest.steriliser_id)
        .where(Steriliser.clinic_id == clinic.id)
    )
    if steriliser_id is not None:
        query = query.where(BiologicalIndicatorTest.steriliser_id == steriliser_id)
    return query


def _require_valid_reading(
    cycle: SteriliserCycle, bi_lot: str, control_result: SporeResult, read_at: datetime
) -> None:
    """A test counts only if its control grew and it was read after its cycle ran."""
    if control_result is not SporeResult.POSITIVE:
        raise InvalidInput(
            f"The control from BI lot {bi_lot} did not grow, so this spore test is invalid: "
            "repeat it with indicators from a viable lot."
        )
    if read_at < cycle.started_at:
        raise InvalidInput(
            f"A spore test cannot be read before its cycle ran ({cycle.started_at.date()})."
        )


def next_business_day(day: date) -> date:
    """Montana wants the report within one business day (R16.5); weekends are skipped."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


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
