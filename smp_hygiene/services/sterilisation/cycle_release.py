"""Releasing or failing a load: mechanical, chemical and Bowie-Dick checks (R13, R14, R18)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from smp_hygiene.errors import DomainError, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BowieDickTest,
    CycleStatus,
    IndicatorResult,
    PackStatus,
    SteriliserCycle,
    SteriliserProgram,
    SteriliserStatus,
    SteriliserType,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.sterilisation.sterilisers import settings_for
from smp_hygiene.timeutil import local_date, utcnow


@dataclass(frozen=True)
class ProgramSpec:
    """What the printout must show for a program to count as a pass (the mechanical check)."""

    min_temp_c: float
    max_temp_c: float
    min_exposure_minutes: float
    min_kpa: float  # absolute; saturated steam at the temperature band
    max_kpa: float


# Exposure: CDC 2008 guideline (gravity 121 °C 30 min, wrapped) and EN 13060 / ISO 17665 holding
# times (121 °C 15 min, 134 °C 3 min); gravity at 134 °C takes CDC's 132 °C wrapped time.
# Temperature band: the setpoint to 3 °C above it. Pressure: saturated steam over that band.
PROGRAMS = {
    SteriliserProgram.GRAVITY_121: ProgramSpec(121, 124, 30, 200, 230),
    SteriliserProgram.GRAVITY_134: ProgramSpec(134, 137, 15, 300, 335),
    SteriliserProgram.PREVAC_121: ProgramSpec(121, 124, 15, 200, 230),
    SteriliserProgram.PREVAC_134: ProgramSpec(134, 137, 3, 300, 335),
}


def release_cycle(cycle: SteriliserCycle, user: User, now: datetime | None = None) -> None:
    """Release a load for use only when every check it needs has passed (R13, R14, R18)."""
    name, number = cycle.steriliser.name, cycle.cycle_number
    if cycle.status is not CycleStatus.RECORDED:
        raise DomainError(
            f"Cycle {number} on {name} is {cycle.status.value}, not awaiting release."
        )
    problems = release_problems(cycle)
    if problems:
        raise DomainError(f"Cycle {number} on {name} cannot be released: {'; '.join(problems)}.")
    before = chain.snapshot(cycle)
    cycle.status = CycleStatus.RELEASED
    cycle.released_at = now or utcnow()
    cycle.released_by = user
    chain.record(user, "steriliser_cycle.released", cycle, before=before)


def release_problems(cycle: SteriliserCycle) -> list[str]:
    """Every reason the load may not be released yet, in words an auditor can act on."""
    steriliser = cycle.steriliser
    problems = []
    if steriliser.status is SteriliserStatus.OUT_OF_SERVICE:
        problems.append(f"{steriliser.name} is out of service ({steriliser.status_reason})")
    problems += mechanical_problems(cycle)
    settings = settings_for(steriliser.clinic)
    if cycle.ci_class < settings.min_chemical_indicator_class:
        problems.append(
            f"the chemical indicator is type {cycle.ci_class}; this clinic requires "
            f"type {settings.min_chemical_indicator_class} or higher"
        )
    if cycle.ci_result is IndicatorResult.FAIL:
        problems.append("the chemical indicator failed")
    if steriliser.type is SteriliserType.PREVAC and settings.requires_daily_bowie_dick:
        problems += _bowie_dick_problems(cycle)
    return problems


def mechanical_problems(cycle: SteriliserCycle) -> list[str]:
    """Time, temperature and pressure against the program's limits."""
    spec, label = PROGRAMS[cycle.program], cycle.program.label
    problems = []
    if not spec.min_temp_c <= cycle.temperature_c <= spec.max_temp_c:
        problems.append(
            f"the temperature {cycle.temperature_c:g} °C is outside "
            f"{spec.min_temp_c:g}–{spec.max_temp_c:g} °C for the {label} program"
        )
    if cycle.exposure_minutes < spec.min_exposure_minutes:
        problems.append(
            f"the exposure of {cycle.exposure_minutes:g} min is shorter than "
            f"the {spec.min_exposure_minutes:g} min the {label} program needs"
        )
    if not spec.min_kpa <= cycle.pressure_kpa <= spec.max_kpa:
        problems.append(
            f"the pressure {cycle.pressure_kpa:g} kPa is outside "
            f"{spec.min_kpa:g}–{spec.max_kpa:g} kPa for the {label} program"
        )
    return problems


def _bowie_dick_problems(cycle: SteriliserCycle) -> list[str]:
    """The last Bowie-Dick test run that day before the load must have passed."""
    zone = ZoneInfo(cycle.steriliser.clinic.timezone)  # "that day" is the clinic's day
    day = local_date(cycle.started_at, cycle.steriliser.clinic.timezone)
    start_of_day = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    test = db.session.scalar(
        select(BowieDickTest)
        .filter_by(steriliser_id=cycle.steriliser_id)
        .where(BowieDickTest.tested_at.between(start_of_day, cycle.started_at))
        .order_by(BowieDickTest.tested_at.desc())
        .limit(1)
    )
    if test is None:
        return [f"no Bowie-Dick test was recorded on {day} before the cycle"]
    if test.result is IndicatorResult.FAIL:
        return [f"the Bowie-Dick test of {day} failed"]
    return []


def fail_cycle(cycle: SteriliserCycle, user: User, reason: str, now: datetime | None = None):
    """Record that a load failed its checks; its packs are discarded for reprocessing."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the cycle failed.")
    if cycle.status is not CycleStatus.RECORDED:
        raise DomainError(
            f"Cycle {cycle.cycle_number} on {cycle.steriliser.name} is {cycle.status.value}, "
            "not awaiting release."
        )
    before = chain.snapshot(cycle)
    cycle.status, cycle.status_reason = CycleStatus.FAILED, reason
    for pack in cycle.packs:
        pack.status = PackStatus.DISCARDED
        pack.status_reason = f"cycle {cycle.cycle_number} failed: {reason}"
        pack.status_changed_at = now or utcnow()
    after = chain.snapshot(cycle) | {"discarded_packs": [pack.code for pack in cycle.packs]}
    chain.record(user, "steriliser_cycle.failed", cycle, before=before, after=after)
