"""Steriliser registry, settings, cycle log and Bowie-Dick tests (DOMAIN R13–R19)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from smp_hygiene.errors import AlreadyExists, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BowieDickTest,
    Clinic,
    IndicatorResult,
    InstrumentPack,
    OverdueMode,
    PackStatus,
    SterilisationSettings,
    Sterilizer,
    SterilizerCycle,
    SterilizerProgram,
    SterilizerType,
    User,
)
from smp_hygiene.services.audit import chain

DEFAULT_SETTINGS = {
    "spore_test_interval_days": 7,
    "spore_test_overdue_mode": OverdueMode.WARN,
    "reports_positive_bi": False,
    "pack_shelf_life_days": None,
    "requires_daily_bowie_dick": True,
    "min_chemical_indicator_class": 5,
}

# Crockford's alphabet: no I, L, O or U to misread on a smudged label. 8 characters = 40 bits.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class CycleReading:
    """A cycle as its printout reports it."""

    cycle_number: int
    started_at: datetime
    program: SterilizerProgram
    temperature_c: float
    exposure_minutes: float
    pressure_kpa: float
    ci_class: int
    ci_result: IndicatorResult
    printout_ref: str = ""


def list_sterilizers(clinic: Clinic) -> list[Sterilizer]:
    """The clinic's steriliser registry, by name."""
    return list(
        db.session.scalars(
            select(Sterilizer).filter_by(clinic_id=clinic.id).order_by(Sterilizer.name)
        )
    )


def settings_for(clinic: Clinic) -> SterilisationSettings:
    """The clinic's sterilisation settings, or an unsaved row holding the defaults."""
    found = db.session.scalar(select(SterilisationSettings).filter_by(clinic_id=clinic.id))
    return found or SterilisationSettings(clinic_id=clinic.id, **DEFAULT_SETTINGS)


def update_settings(clinic: Clinic, user: User, **values) -> SterilisationSettings:
    """Change the clinic's sterilisation rules; spore tests stay at least monthly (R15)."""
    if not 1 <= values["spore_test_interval_days"] <= 30:
        raise InvalidInput("The spore-test interval must be 1 to 30 days: at least monthly.")
    shelf_life = values["pack_shelf_life_days"]
    if shelf_life is not None and not 1 <= shelf_life <= 366:
        raise InvalidInput("A pack shelf life must be 1 to 366 days, or event-related.")
    if not 1 <= values["min_chemical_indicator_class"] <= 6:
        raise InvalidInput("ISO 11140-1 chemical indicators are type 1 to 6.")
    settings = settings_for(clinic)
    before = chain.snapshot(settings) if settings.id else None
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.add(settings)
    chain.record(user, "sterilisation_settings.changed", settings, before=before)
    return settings


def register_sterilizer(
    clinic: Clinic,
    user: User,
    name: str,
    serial: str,
    kind: SterilizerType,
    installed_at: datetime,
) -> Sterilizer:
    """Add a steriliser to the clinic's registry; names are unique within a clinic."""
    name, serial = name.strip(), serial.strip()
    if not name or not serial:
        raise InvalidInput("A steriliser needs a name and the serial number from its plate.")
    if db.session.scalar(select(Sterilizer.id).filter_by(clinic_id=clinic.id, name=name)):
        raise AlreadyExists(f'There is already a steriliser called "{name}".')
    sterilizer = Sterilizer(
        clinic_id=clinic.id, name=name, serial=serial, type=kind, installed_at=installed_at
    )
    db.session.add(sterilizer)
    chain.record(user, "sterilizer.registered", sterilizer)
    return sterilizer


def record_cycle(
    sterilizer: Sterilizer,
    reading: CycleReading,
    operator: User,
    user: User,
    pack_contents: list[str],
) -> SterilizerCycle:
    """Log one load from its printout, with a new labelled pack for each item of its contents."""
    if db.session.scalar(
        select(SterilizerCycle.id).filter_by(
            sterilizer_id=sterilizer.id, cycle_number=reading.cycle_number
        )
    ):
        raise AlreadyExists(f"{sterilizer.name} already has a cycle {reading.cycle_number}.")
    if reading.program.air_removal is SterilizerType.PREVAC and (
        sterilizer.type is SterilizerType.GRAVITY
    ):
        raise InvalidInput(
            f"{sterilizer.name} is a gravity steriliser; "
            f"it cannot run the {reading.program.label} program."
        )
    if not 1 <= reading.ci_class <= 6:
        raise InvalidInput("ISO 11140-1 chemical indicators are type 1 to 6.")
    contents = [text.strip() for text in pack_contents if text.strip()]
    if not contents:
        raise InvalidInput("List at least one pack in the load.")
    cycle = SterilizerCycle(sterilizer=sterilizer, operator=operator, recorded_by=user)
    for field in CycleReading.__dataclass_fields__:
        setattr(cycle, field, getattr(reading, field))
    cycle.packs = [_new_pack(cycle, text) for text in contents]
    db.session.add(cycle)
    after = chain.snapshot(cycle) | {"packs": [pack.code for pack in cycle.packs]}
    chain.record(user, "sterilizer_cycle.recorded", cycle, after=after)
    return cycle


def _new_pack(cycle: SterilizerCycle, contents: str) -> InstrumentPack:
    shelf_life = settings_for(cycle.sterilizer.clinic).pack_shelf_life_days
    expires_on = None
    if shelf_life is not None:
        expires_on = cycle.started_at.date() + timedelta(days=shelf_life)
    return InstrumentPack(
        code=new_pack_code(),
        contents=contents[:300],
        packed_at=cycle.started_at,
        expires_on=expires_on,
        status=PackStatus.AVAILABLE,
    )


def new_pack_code() -> str:
    """An unguessable, unused pack code such as P-7F3KQ2XM, for the SMPH-PACK label."""
    while True:
        code = "P-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        if not db.session.scalar(select(InstrumentPack.id).filter_by(code=code)):
            return code


def record_bowie_dick(
    sterilizer: Sterilizer,
    user: User,
    result: IndicatorResult,
    tested_at: datetime,
    test_pack_lot: str = "",
) -> BowieDickTest:
    """Log the daily empty-chamber air-removal test of a pre-vacuum steriliser (R18)."""
    if sterilizer.type is not SterilizerType.PREVAC:
        raise InvalidInput(
            f"{sterilizer.name} is a gravity steriliser: "
            "the Bowie-Dick test is for pre-vacuum sterilisers only."
        )
    test = BowieDickTest(
        sterilizer=sterilizer,
        result=result,
        tested_at=tested_at,
        test_pack_lot=test_pack_lot.strip(),
        recorded_by=user,
    )
    db.session.add(test)
    chain.record(user, "bowie_dick_test.recorded", test)
    return test
