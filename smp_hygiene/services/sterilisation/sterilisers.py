"""Steriliser registry, settings, cycle log and Bowie-Dick tests (DOMAIN R13–R19)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select

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
    Steriliser,
    SteriliserCycle,
    SteriliserProgram,
    SteriliserType,
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
    program: SteriliserProgram
    temperature_c: float
    exposure_minutes: float
    pressure_kpa: float
    ci_class: int
    ci_result: IndicatorResult
    printout_ref: str = ""


def list_sterilisers(clinic: Clinic) -> list[Steriliser]:
    """The clinic's steriliser registry, by name."""
    return list(
        db.session.scalars(
            select(Steriliser).filter_by(clinic_id=clinic.id).order_by(Steriliser.name)
        )
    )


def sterilisers_query(clinic: Clinic) -> Select:
    """The clinic's steriliser registry, for a listing by id."""
    return select(Steriliser).where(Steriliser.clinic_id == clinic.id)


def cycles_query(clinic: Clinic, steriliser_id: int | None = None) -> Select:
    """The loads run in the clinic's sterilisers (or in one of them), for a listing by id."""
    query = select(SteriliserCycle).join(Steriliser).where(Steriliser.clinic_id == clinic.id)
    if steriliser_id is not None:
        query = query.where(SteriliserCycle.steriliser_id == steriliser_id)
    return query


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
        raise InvalidInput(
            "A pack shelf life must be 1 to 366 days, or blank for no date "
            "(a pack is then good until opened, wet or torn)."
        )
    if not 1 <= values["min_chemical_indicator_class"] <= 6:
        raise InvalidInput("ISO 11140-1 chemical indicators are type 1 to 6.")
    settings = settings_for(clinic)
    before = chain.snapshot(settings) if settings.id else None
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.add(settings)
    chain.record(user, "sterilisation_settings.changed", settings, before=before)
    return settings


def register_steriliser(
    clinic: Clinic,
    user: User,
    name: str,
    serial: str,
    kind: SteriliserType,
    installed_at: datetime,
) -> Steriliser:
    """Add a steriliser to the clinic's registry; names are unique within a clinic."""
    name, serial = name.strip(), serial.strip()
    if not name or not serial:
        raise InvalidInput("A steriliser needs a name and the serial number from its plate.")
    if db.session.scalar(select(Steriliser.id).filter_by(clinic_id=clinic.id, name=name)):
        raise AlreadyExists(f'There is already a steriliser called "{name}".')
    steriliser = Steriliser(
        clinic_id=clinic.id, name=name, serial=serial, type=kind, installed_at=installed_at
    )
    db.session.add(steriliser)
    chain.record(user, "steriliser.registered", steriliser)
    return steriliser


def record_cycle(
    steriliser: Steriliser,
    reading: CycleReading,
    operator: User,
    user: User,
    pack_contents: list[str],
) -> SteriliserCycle:
    """Log one load from its printout, with a new labelled pack for each item of its contents."""
    if db.session.scalar(
        select(SteriliserCycle.id).filter_by(
            steriliser_id=steriliser.id, cycle_number=reading.cycle_number
        )
    ):
        raise AlreadyExists(f"{steriliser.name} already has a cycle {reading.cycle_number}.")
    if reading.program.air_removal is SteriliserType.PREVAC and (
        steriliser.type is SteriliserType.GRAVITY
    ):
        raise InvalidInput(
            f"{steriliser.name} is a gravity steriliser; "
            f"it cannot run the {reading.program.label} program."
        )
    if not 1 <= reading.ci_class <= 6:
        raise InvalidInput("ISO 11140-1 chemical indicators are type 1 to 6.")
    contents = [text.strip() for text in pack_contents if text.strip()]
    if not contents:
        raise InvalidInput("List at least one pack in the load.")
    cycle = SteriliserCycle(steriliser=steriliser, operator=operator, recorded_by=user)
    for field in CycleReading.__dataclass_fields__:
        setattr(cycle, field, getattr(reading, field))
    cycle.packs = [_new_pack(cycle, text) for text in contents]
    db.session.add(cycle)
    after = chain.snapshot(cycle) | {"packs": [pack.code for pack in cycle.packs]}
    chain.record(user, "steriliser_cycle.recorded", cycle, after=after)
    return cycle


def _new_pack(cycle: SteriliserCycle, contents: str) -> InstrumentPack:
    shelf_life = settings_for(cycle.steriliser.clinic).pack_shelf_life_days
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
    steriliser: Steriliser,
    user: User,
    result: IndicatorResult,
    tested_at: datetime,
    test_pack_lot: str = "",
) -> BowieDickTest:
    """Log the daily empty-chamber air-removal test of a pre-vacuum steriliser (R18)."""
    if steriliser.type is not SteriliserType.PREVAC:
        raise InvalidInput(
            f"{steriliser.name} is a gravity steriliser: "
            "the Bowie-Dick test is for pre-vacuum sterilisers only."
        )
    test = BowieDickTest(
        steriliser=steriliser,
        result=result,
        tested_at=tested_at,
        test_pack_lot=test_pack_lot.strip(),
        recorded_by=user,
    )
    db.session.add(test)
    chain.record(user, "bowie_dick_test.recorded", test)
    return test
