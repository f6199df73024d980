"""The demo clinic's autoclave: a weekly released load with its tests, and packs to scan."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from smp_hygiene.models import (
    Clinic,
    IndicatorResult,
    SporeResult,
    SteriliserCycle,
    SteriliserProgram,
    SteriliserType,
    User,
)
from smp_hygiene.services.sterilisation import cycle_release, spore_tests, sterilisers
from smp_hygiene.timeutil import utcnow

PACK_CONTENTS = ("Machine grip 25 mm, stainless", "Cartridge grip 30 mm, stainless")


class PackPool:
    """Released packs in release order; a session takes one released before it started."""

    def __init__(self) -> None:
        self._packs: list[tuple[datetime, str]] = []

    def add(self, cycle: SteriliserCycle) -> None:
        self._packs.extend((cycle.released_at, pack.code) for pack in cycle.packs)

    def take(self, before: datetime) -> str | None:
        ready = [item for item in self._packs if item[0] <= before]
        if not ready:
            return None
        self._packs.remove(ready[-1])
        return ready[-1][1]


def load(clinic: Clinic, operator: User, auditor: User, weeks: int = 12) -> PackPool:
    """One prevac load a week, each with a passing Bowie-Dick, its release and a spore test."""
    autoclave = sterilisers.register_steriliser(
        clinic,
        auditor,
        "Autoclave A (class B)",
        "MEL-23-118842",
        SteriliserType.PREVAC,
        utcnow() - timedelta(days=700),
    )
    pool = PackPool()
    for week in range(weeks, -1, -1):
        day = date.today() - timedelta(days=7 * week + 2)
        at = datetime.combine(day, time(7, 30), tzinfo=utcnow().tzinfo)
        sterilisers.record_bowie_dick(autoclave, operator, IndicatorResult.PASS, at, "BD-2611")
        reading = _passing_reading(1000 + weeks - week, at + timedelta(minutes=30))
        cycle = sterilisers.record_cycle(
            autoclave, reading, operator, operator, list(PACK_CONTENTS) * 2
        )
        cycle_release.release_cycle(cycle, auditor, now=at + timedelta(hours=2))
        spore_tests.record_spore_test(
            cycle,
            auditor,
            bi_lot="BI-2026-11",
            result=SporeResult.NEGATIVE,
            control_result=SporeResult.POSITIVE,
            read_at=at + timedelta(hours=24),
            lab_report_ref=f"LAB-{day:%y%m%d}",
        )
        pool.add(cycle)
    return pool


def _passing_reading(number: int, started_at: datetime) -> sterilisers.CycleReading:
    """A 134 °C prevac cycle whose printout and chemical indicator both pass."""
    return sterilisers.CycleReading(
        cycle_number=number,
        started_at=started_at,
        program=SteriliserProgram.PREVAC_134,
        temperature_c=134.4,
        exposure_minutes=5.5,
        pressure_kpa=308.0,
        ci_class=5,
        ci_result=IndicatorResult.PASS,
        printout_ref=f"PRN-{started_at:%Y%m%d}",
    )
