"""Spore tests: a positive one quarantines suspect loads and stops the steriliser (R15, R16)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from smp_hygiene.errors import DomainError, InvalidInput
from smp_hygiene.models import (
    AuditEntry,
    CycleStatus,
    PackStatus,
    Role,
    SporeResult,
    SteriliserStatus,
)
from smp_hygiene.services.sterilisation import spore_tests, sterilisers
from smp_hygiene.services.sterilisation.packs import use_pack
from tests.factories import (
    make_clinic,
    make_cycle,
    make_session,
    make_spore_test,
    make_steriliser,
    make_user,
)

# A Friday, so the one-business-day report deadline falls on Monday.
FRIDAY = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def record(cycle, result=SporeResult.POSITIVE, **fields):
    fields.setdefault("bi_lot", "BI-77")
    fields.setdefault("control_result", SporeResult.POSITIVE)
    fields.setdefault("read_at", cycle.started_at + timedelta(days=1))
    return spore_tests.record_spore_test(cycle, make_user(Role.AUDITOR), result=result, **fields)


def history(steriliser):
    """Four released loads: the second carries the last negative spore test."""
    cycles = [
        make_cycle(
            steriliser,
            cycle_number=n,
            started_at=FRIDAY - timedelta(days=10 - n),
            status=CycleStatus.RELEASED,
        )
        for n in (1, 2, 3, 4)
    ]
    make_spore_test(cycles[1])
    return cycles


def test_auditor_can_record_a_negative_spore_test(ctx):
    cycle = make_cycle()

    test = record(cycle, SporeResult.NEGATIVE)

    assert test.result is SporeResult.NEGATIVE
    assert cycle.steriliser.status is SteriliserStatus.IN_SERVICE
    assert AuditEntry.query.order_by(AuditEntry.id.desc()).first().action == "spore_test.recorded"


def test_auditor_cannot_record_a_spore_test_whose_control_did_not_grow(ctx):
    with pytest.raises(
        InvalidInput,
        match="^The control from BI lot BI-77 did not grow, so this spore test is invalid: "
        "repeat it with indicators from a viable lot.$",
    ):
        record(make_cycle(), SporeResult.NEGATIVE, control_result=SporeResult.NEGATIVE)


def test_auditor_cannot_record_a_spore_test_read_before_its_cycle(ctx):
    cycle = make_cycle(started_at=FRIDAY)

    with pytest.raises(InvalidInput, match=r"^A spore test cannot be read before its cycle ran"):
        record(cycle, read_at=FRIDAY - timedelta(hours=1))


def test_positive_spore_test_quarantines_every_load_since_the_last_negative(ctx):
    steriliser = make_steriliser(name="Autoclave A")
    cycles = history(steriliser)

    record(cycles[3])

    assert [c.status for c in cycles] == [CycleStatus.RELEASED] * 2 + [CycleStatus.QUARANTINED] * 2
    assert cycles[2].packs[0].status is PackStatus.QUARANTINED
    assert cycles[1].packs[0].status is PackStatus.AVAILABLE


def test_positive_spore_test_without_any_negative_quarantines_every_load(ctx):
    steriliser = make_steriliser()
    cycles = [make_cycle(steriliser, status=CycleStatus.RELEASED) for _ in range(2)]

    record(cycles[1])

    assert {c.status for c in cycles} == {CycleStatus.QUARANTINED}


def test_failed_loads_stay_failed_when_a_spore_test_is_positive(ctx):
    steriliser = make_steriliser()
    failed = make_cycle(steriliser, status=CycleStatus.FAILED)
    tested = make_cycle(steriliser)

    record(tested)

    assert failed.status is CycleStatus.FAILED


def test_positive_spore_test_takes_the_steriliser_out_of_service(ctx):
    steriliser = make_steriliser(name="Autoclave A")
    cycle = make_cycle(steriliser, started_at=FRIDAY)

    record(cycle)

    assert steriliser.status is SteriliserStatus.OUT_OF_SERVICE
    assert steriliser.negative_retests_needed == 1
    assert steriliser.status_reason == (
        "the spore test of 2026-11-20 on Autoclave A was positive; 1 negative retest(s) needed"
    )


def test_negative_retest_returns_the_steriliser_to_service(ctx):
    steriliser = make_steriliser()
    record(make_cycle(steriliser, started_at=FRIDAY))
    retest_cycle = make_cycle(steriliser, started_at=FRIDAY + timedelta(days=1))

    record(retest_cycle, SporeResult.NEGATIVE, is_retest=True)

    assert steriliser.status is SteriliserStatus.IN_SERVICE
    assert steriliser.status_reason == ""


def test_negative_test_not_marked_as_retest_leaves_the_steriliser_out_of_service(ctx):
    steriliser = make_steriliser()
    record(make_cycle(steriliser, started_at=FRIDAY))

    record(make_cycle(steriliser, started_at=FRIDAY + timedelta(days=1)), SporeResult.NEGATIVE)

    assert steriliser.status is SteriliserStatus.OUT_OF_SERVICE


def test_positive_retest_needs_three_negative_retests(ctx):
    steriliser = make_steriliser()
    record(make_cycle(steriliser, started_at=FRIDAY))
    record(make_cycle(steriliser, started_at=FRIDAY + timedelta(days=1)), is_retest=True)

    for day in (2, 3):
        cycle = make_cycle(steriliser, started_at=FRIDAY + timedelta(days=day))
        record(cycle, SporeResult.NEGATIVE, is_retest=True)
        assert steriliser.status is SteriliserStatus.OUT_OF_SERVICE
    record(
        make_cycle(steriliser, started_at=FRIDAY + timedelta(days=4)),
        SporeResult.NEGATIVE,
        is_retest=True,
    )

    assert steriliser.status is SteriliserStatus.IN_SERVICE


def test_positive_spore_test_lists_sessions_that_already_used_suspect_packs(ctx):
    steriliser = make_steriliser()
    cycles = history(steriliser)
    session = make_session()
    use_pack(session, cycles[2].packs[0].code, make_user(), FRIDAY - timedelta(days=5))

    test = record(cycles[3])

    uses = spore_tests.sessions_using_suspect_packs(test)
    assert [use.session for use in uses] == [session]
    assert uses[0].pack.status is PackStatus.USED


def test_positive_spore_test_never_lists_sessions_of_loads_before_the_last_negative(ctx):
    steriliser = make_steriliser()
    cycles = history(steriliser)
    use_pack(make_session(), cycles[0].packs[0].code, make_user(), FRIDAY - timedelta(days=8))

    test = record(cycles[3])

    assert spore_tests.sessions_using_suspect_packs(test) == []
    assert [p.code for p in spore_tests.quarantined_packs(test)] == [
        cycles[2].packs[0].code,
        cycles[3].packs[0].code,
    ]


def test_positive_spore_test_asks_for_a_report_where_the_clinic_requires_one(ctx):
    clinic, admin = make_clinic(), make_user(Role.ADMIN)
    settings = dict(sterilisers.DEFAULT_SETTINGS, reports_positive_bi=True)
    sterilisers.update_settings(clinic, admin, **settings)
    cycle = make_cycle(make_steriliser(clinic), started_at=FRIDAY - timedelta(days=1))

    test = record(cycle, read_at=FRIDAY)

    assert test.authority_report_due_on == date(2026, 11, 23)
    assert test.authority_report_pending


def test_positive_spore_test_asks_for_no_report_by_default(ctx):
    test = record(make_cycle())

    assert test.authority_report_due_on is None


def test_auditor_can_record_the_authority_report(ctx):
    clinic, admin = make_clinic(), make_user(Role.ADMIN)
    settings = dict(sterilisers.DEFAULT_SETTINGS, reports_positive_bi=True)
    sterilisers.update_settings(clinic, admin, **settings)
    test = record(make_cycle(make_steriliser(clinic)))

    spore_tests.record_authority_report(test, admin, "DPHHS case 2026-118", now=FRIDAY)

    assert not test.authority_report_pending
    assert test.authority_report_ref == "DPHHS case 2026-118"


def test_auditor_cannot_report_a_spore_test_that_needs_no_report(ctx):
    test = record(make_cycle(), SporeResult.NEGATIVE)

    with pytest.raises(
        DomainError, match="^No health-authority report is due for this spore test.$"
    ):
        spore_tests.record_authority_report(test, make_user(Role.AUDITOR), "x")


def test_next_business_day_skips_the_weekend():
    assert spore_tests.next_business_day(date(2026, 11, 20)) == date(2026, 11, 23)
    assert spore_tests.next_business_day(date(2026, 11, 23)) == date(2026, 11, 24)


# --- overdue (R15) ---


def test_spore_test_is_overdue_after_the_clinic_interval(ctx):
    steriliser = make_steriliser(name="Autoclave A")
    make_spore_test(make_cycle(steriliser, started_at=FRIDAY))

    overdue = spore_tests.overdue_spore_tests(
        steriliser.clinic, FRIDAY + timedelta(days=7, hours=1)
    )

    assert [o.steriliser for o in overdue] == [steriliser]
    assert overdue[0].message == (
        "The spore test of Autoclave A was due on 2026-11-27 and has not been recorded, "
        "so its packs are not proven sterile."
    )


def test_spore_test_is_not_overdue_within_the_interval(ctx):
    steriliser = make_steriliser()
    make_spore_test(make_cycle(steriliser, started_at=FRIDAY))

    assert spore_tests.overdue_spore_tests(steriliser.clinic, FRIDAY + timedelta(days=6)) == []


def test_monthly_clinics_are_due_after_thirty_days(ctx):
    clinic, admin = make_clinic(), make_user(Role.ADMIN)
    settings = dict(sterilisers.DEFAULT_SETTINGS, spore_test_interval_days=30)
    sterilisers.update_settings(clinic, admin, **settings)
    steriliser = make_steriliser(clinic)
    make_spore_test(make_cycle(steriliser, started_at=FRIDAY))

    assert spore_tests.overdue_spore_tests(clinic, FRIDAY + timedelta(days=29)) == []
    assert len(spore_tests.overdue_spore_tests(clinic, FRIDAY + timedelta(days=31))) == 1


def test_a_new_steriliser_is_due_a_spore_test_from_installation(ctx):
    steriliser = make_steriliser(installed_at=FRIDAY)

    overdue = spore_tests.overdue_spore_tests(steriliser.clinic, FRIDAY + timedelta(hours=1))

    assert overdue[0].due_at == FRIDAY


def test_out_of_service_sterilisers_are_not_listed_as_overdue(ctx):
    steriliser = make_steriliser(status=SteriliserStatus.OUT_OF_SERVICE, installed_at=FRIDAY)

    assert spore_tests.overdue_spore_tests(steriliser.clinic, FRIDAY + timedelta(days=60)) == []
