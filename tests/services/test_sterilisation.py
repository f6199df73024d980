"""Steriliser registry, cycle log, Bowie-Dick tests and release (DOMAIN R13, R14, R17, R18)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from smp_hygiene.errors import AlreadyExists, DomainError, InvalidInput
from smp_hygiene.models import (
    AuditEntry,
    CycleStatus,
    IndicatorResult,
    OverdueMode,
    PackStatus,
    Role,
    SteriliserProgram,
    SteriliserStatus,
    SteriliserType,
)
from smp_hygiene.services.sterilisation import cycle_release
from smp_hygiene.services.sterilisation import sterilisers as sterilisation
from smp_hygiene.services.sterilisation.sterilisers import CycleReading
from tests.factories import (
    make_bowie_dick,
    make_clinic,
    make_cycle,
    make_steriliser,
    make_user,
)

MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def reading(**fields) -> CycleReading:
    values = {
        "cycle_number": 42,
        "started_at": MORNING,
        "program": SteriliserProgram.PREVAC_134,
        "temperature_c": 134.5,
        "exposure_minutes": 3.5,
        "pressure_kpa": 310.0,
        "ci_class": 5,
        "ci_result": IndicatorResult.PASS,
        "printout_ref": "scan-0042.pdf",
    }
    return CycleReading(**(values | fields))


def audit_actions() -> list[str]:
    return [entry.action for entry in AuditEntry.query.order_by(AuditEntry.id)]


def test_auditor_can_register_a_steriliser(ctx):
    clinic, auditor = make_clinic(), make_user(Role.AUDITOR)

    steriliser = sterilisation.register_steriliser(
        clinic, auditor, " Autoclave A ", "SN-1", SteriliserType.PREVAC, MORNING
    )

    assert (steriliser.name, steriliser.status) == ("Autoclave A", SteriliserStatus.IN_SERVICE)
    assert audit_actions()[-1] == "steriliser.registered"


def test_auditor_cannot_register_two_sterilisers_with_one_name(ctx):
    clinic, auditor = make_clinic(), make_user(Role.AUDITOR)
    make_steriliser(clinic, name="Autoclave A")

    with pytest.raises(
        AlreadyExists, match='^There is already a steriliser called "Autoclave A".$'
    ):
        sterilisation.register_steriliser(
            clinic, auditor, "Autoclave A", "SN-2", SteriliserType.PREVAC, MORNING
        )


def test_auditor_cannot_register_a_steriliser_without_serial(ctx):
    clinic, auditor = make_clinic(), make_user(Role.AUDITOR)

    with pytest.raises(InvalidInput, match="needs a name and the serial number"):
        sterilisation.register_steriliser(
            clinic, auditor, "Autoclave A", " ", SteriliserType.PREVAC, MORNING
        )


def test_auditor_can_record_a_cycle_with_its_packs(ctx):
    steriliser, auditor = make_steriliser(name="Autoclave A"), make_user(Role.AUDITOR)

    cycle = sterilisation.record_cycle(
        steriliser, reading(), auditor, auditor, ["Grip set 1", " ", "Tube set 2"]
    )

    assert cycle.status is CycleStatus.RECORDED
    assert [pack.contents for pack in cycle.packs] == ["Grip set 1", "Tube set 2"]
    assert all(pack.code.startswith("P-") and len(pack.code) == 10 for pack in cycle.packs)
    assert audit_actions()[-1] == "steriliser_cycle.recorded"


def test_pack_codes_are_unique_and_fit_our_label(ctx):
    codes = {sterilisation.new_pack_code() for _ in range(200)}

    assert len(codes) == 200
    assert all(len(code) == 10 and code.isascii() for code in codes)


def test_packs_get_an_expiry_when_the_clinic_uses_time_related_storage(ctx):
    clinic, auditor = make_clinic(), make_user(Role.AUDITOR)
    settings = dict(sterilisation.DEFAULT_SETTINGS, pack_shelf_life_days=30)
    sterilisation.update_settings(clinic, auditor, **settings)
    steriliser = make_steriliser(clinic)

    cycle = sterilisation.record_cycle(steriliser, reading(), auditor, auditor, ["Grip"])

    assert cycle.packs[0].expires_on == date(2026, 12, 25)


def test_packs_have_no_expiry_with_event_related_storage(ctx):
    steriliser, auditor = make_steriliser(), make_user(Role.AUDITOR)

    cycle = sterilisation.record_cycle(steriliser, reading(), auditor, auditor, ["Grip"])

    assert cycle.packs[0].expires_on is None


def test_auditor_cannot_record_a_cycle_number_twice(ctx):
    steriliser, auditor = make_steriliser(name="Autoclave A"), make_user(Role.AUDITOR)
    make_cycle(steriliser, cycle_number=42)

    with pytest.raises(AlreadyExists, match="^Autoclave A already has a cycle 42.$"):
        sterilisation.record_cycle(steriliser, reading(), auditor, auditor, ["Grip"])


def test_auditor_cannot_record_a_prevac_program_on_a_gravity_steriliser(ctx):
    steriliser = make_steriliser(name="Autoclave G", type=SteriliserType.GRAVITY)
    auditor = make_user(Role.AUDITOR)

    with pytest.raises(
        InvalidInput,
        match="^Autoclave G is a gravity steriliser; it cannot run the pre-vacuum 134 °C program.$",
    ):
        sterilisation.record_cycle(steriliser, reading(), auditor, auditor, ["Grip"])


def test_auditor_cannot_record_an_empty_load(ctx):
    steriliser, auditor = make_steriliser(), make_user(Role.AUDITOR)

    with pytest.raises(InvalidInput, match="^List at least one pack in the load.$"):
        sterilisation.record_cycle(steriliser, reading(), auditor, auditor, [" "])


def test_auditor_cannot_record_a_chemical_indicator_type_outside_iso_11140(ctx):
    steriliser, auditor = make_steriliser(), make_user(Role.AUDITOR)

    with pytest.raises(InvalidInput, match="^ISO 11140-1 chemical indicators are type 1 to 6.$"):
        sterilisation.record_cycle(steriliser, reading(ci_class=7), auditor, auditor, ["Grip"])


def test_auditor_cannot_record_a_bowie_dick_test_on_a_gravity_steriliser(ctx):
    steriliser = make_steriliser(name="Autoclave G", type=SteriliserType.GRAVITY)

    with pytest.raises(InvalidInput, match="for pre-vacuum sterilisers only"):
        sterilisation.record_bowie_dick(
            steriliser, make_user(Role.AUDITOR), IndicatorResult.PASS, MORNING
        )


def test_clinic_cannot_space_spore_tests_more_than_a_month_apart(ctx):
    settings = dict(sterilisation.DEFAULT_SETTINGS, spore_test_interval_days=31)

    with pytest.raises(InvalidInput, match="^The spore-test interval must be 1 to 30 days"):
        sterilisation.update_settings(make_clinic(), make_user(Role.ADMIN), **settings)


def test_admin_can_change_sterilisation_settings(ctx):
    clinic, admin = make_clinic(), make_user(Role.ADMIN)
    values = dict(
        sterilisation.DEFAULT_SETTINGS,
        spore_test_interval_days=30,
        spore_test_overdue_mode=OverdueMode.BLOCK,
    )

    sterilisation.update_settings(clinic, admin, **values)

    saved = sterilisation.settings_for(clinic)
    assert saved.id is not None
    assert saved.spore_test_interval_days == 30
    assert saved.spore_test_overdue_mode is OverdueMode.BLOCK
    assert audit_actions()[-1] == "sterilisation_settings.changed"


# --- release (R13, R14, R18) ---


def passing_cycle(**fields):
    steriliser = fields.pop("steriliser", None) or make_steriliser(name="Autoclave A")
    make_bowie_dick(steriliser, MORNING - timedelta(hours=1))
    return make_cycle(steriliser, cycle_number=42, started_at=MORNING, **fields)


def test_auditor_can_release_a_cycle_whose_checks_pass(ctx):
    cycle, auditor = passing_cycle(), make_user(Role.AUDITOR)

    cycle_release.release_cycle(cycle, auditor, now=MORNING + timedelta(hours=1))

    assert cycle.status is CycleStatus.RELEASED
    assert (cycle.released_by, cycle.released_at) == (auditor, MORNING + timedelta(hours=1))
    assert audit_actions()[-1] == "steriliser_cycle.released"


def test_auditor_cannot_release_a_cycle_twice(ctx):
    cycle, auditor = passing_cycle(), make_user(Role.AUDITOR)
    cycle_release.release_cycle(cycle, auditor)

    with pytest.raises(
        DomainError, match="^Cycle 42 on Autoclave A is released, not awaiting release.$"
    ):
        cycle_release.release_cycle(cycle, auditor)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"temperature_c": 131.0},
            "the temperature 131 °C is outside 134–137 °C for the pre-vacuum 134 °C program",
        ),
        (
            {"exposure_minutes": 2.5},
            "the exposure of 2.5 min is shorter than the 3 min the pre-vacuum 134 °C program needs",
        ),
        (
            {"pressure_kpa": 250.0},
            "the pressure 250 kPa is outside 300–335 kPa for the pre-vacuum 134 °C program",
        ),
        (
            {"ci_class": 4},
            "the chemical indicator is type 4; this clinic requires type 5 or higher",
        ),
        ({"ci_result": IndicatorResult.FAIL}, "the chemical indicator failed"),
    ],
)
def test_auditor_cannot_release_a_cycle_that_failed_a_check(ctx, fields, problem):
    cycle = passing_cycle(**fields)

    with pytest.raises(
        DomainError, match=f"^Cycle 42 on Autoclave A cannot be released: {problem}.$"
    ):
        cycle_release.release_cycle(cycle, make_user(Role.AUDITOR))

    assert cycle.status is CycleStatus.RECORDED


def test_refusal_names_every_failed_check(ctx):
    cycle = passing_cycle(temperature_c=120.0, ci_result=IndicatorResult.FAIL)

    with pytest.raises(DomainError) as refused:
        cycle_release.release_cycle(cycle, make_user(Role.AUDITOR))

    assert "temperature 120 °C" in str(refused.value)
    assert "the chemical indicator failed" in str(refused.value)


def test_auditor_cannot_release_a_prevac_cycle_without_that_days_bowie_dick(ctx):
    steriliser = make_steriliser(name="Autoclave A")
    make_bowie_dick(steriliser, MORNING - timedelta(days=1))
    cycle = make_cycle(steriliser, cycle_number=42, started_at=MORNING)

    with pytest.raises(
        DomainError,
        match="^Cycle 42 on Autoclave A cannot be released: "
        "no Bowie-Dick test was recorded on 2026-11-25 before the cycle.$",
    ):
        cycle_release.release_cycle(cycle, make_user(Role.AUDITOR))


def test_auditor_cannot_release_a_cycle_after_a_failed_bowie_dick(ctx):
    steriliser = make_steriliser(name="Autoclave A")
    make_bowie_dick(steriliser, MORNING - timedelta(hours=1), result=IndicatorResult.FAIL)
    cycle = make_cycle(steriliser, cycle_number=42, started_at=MORNING)

    with pytest.raises(DomainError, match="the Bowie-Dick test of 2026-11-25 failed.$"):
        cycle_release.release_cycle(cycle, make_user(Role.AUDITOR))


def test_a_passing_bowie_dick_retest_after_a_failure_clears_the_day(ctx):
    steriliser = make_steriliser(name="Autoclave A")
    make_bowie_dick(steriliser, MORNING - timedelta(hours=2), result=IndicatorResult.FAIL)
    make_bowie_dick(steriliser, MORNING - timedelta(hours=1))
    cycle = make_cycle(steriliser, cycle_number=42, started_at=MORNING)

    cycle_release.release_cycle(cycle, make_user(Role.AUDITOR))

    assert cycle.status is CycleStatus.RELEASED


def test_gravity_cycles_need_no_bowie_dick(ctx):
    steriliser = make_steriliser(type=SteriliserType.GRAVITY)
    cycle = make_cycle(
        steriliser,
        program=SteriliserProgram.GRAVITY_121,
        temperature_c=122.0,
        exposure_minutes=30.0,
        pressure_kpa=215.0,
    )

    cycle_release.release_cycle(cycle, make_user(Role.AUDITOR))

    assert cycle.status is CycleStatus.RELEASED


def test_clinic_can_switch_off_the_daily_bowie_dick(ctx):
    clinic, admin = make_clinic(), make_user(Role.ADMIN)
    settings = dict(sterilisation.DEFAULT_SETTINGS, requires_daily_bowie_dick=False)
    sterilisation.update_settings(clinic, admin, **settings)
    cycle = make_cycle(make_steriliser(clinic), started_at=MORNING)

    cycle_release.release_cycle(cycle, admin)

    assert cycle.status is CycleStatus.RELEASED


def test_auditor_cannot_release_a_cycle_of_an_out_of_service_steriliser(ctx):
    steriliser = make_steriliser(
        name="Autoclave A",
        status=SteriliserStatus.OUT_OF_SERVICE,
        status_reason="awaiting a negative retest",
    )
    cycle = passing_cycle(steriliser=steriliser)

    with pytest.raises(
        DomainError,
        match=r"cannot be released: Autoclave A is out of service \(awaiting a negative retest\).$",
    ):
        cycle_release.release_cycle(cycle, make_user(Role.AUDITOR))


def test_auditor_can_fail_a_cycle_and_its_packs_are_discarded(ctx):
    cycle = make_cycle(packs=2, cycle_number=42)

    cycle_release.fail_cycle(cycle, make_user(Role.AUDITOR), "wet packs after drying")

    assert cycle.status is CycleStatus.FAILED
    assert {pack.status for pack in cycle.packs} == {PackStatus.DISCARDED}
    assert cycle.packs[0].status_reason == "cycle 42 failed: wet packs after drying"
    assert audit_actions()[-1] == "steriliser_cycle.failed"


def test_auditor_cannot_fail_a_released_cycle(ctx):
    cycle = make_cycle(status=CycleStatus.RELEASED)

    with pytest.raises(DomainError, match="is released, not awaiting release.$"):
        cycle_release.fail_cycle(cycle, make_user(Role.AUDITOR), "late doubt")
