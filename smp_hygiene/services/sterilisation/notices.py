"""What the patient is told when a pack used on them came from a load quarantined after a
positive spore test (R16): read-only, beside the seal, never part of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BiologicalIndicatorTest,
    Clinic,
    CycleStatus,
    InstrumentPack,
    PackUse,
    SteriliserCycle,
    TreatmentSession,
)


@dataclass(frozen=True)
class SterilisationNotice:
    """A plain notice for the patient page: which instruments, which load, and what to do."""

    contents: str
    pack: str
    steriliser: str
    cycle: int
    found_on: date | None  # the positive spore test's reading
    what_to_do: str


def load_quarantined(pack: InstrumentPack) -> bool:
    """Was this pack's load put in quarantine after a positive spore test, used pack or not?"""
    return pack.quarantined_by_test_id is not None or pack.cycle.status is CycleStatus.QUARANTINED


def suspect_pack_uses(session: TreatmentSession) -> list[PackUse]:
    """The packs opened in this session whose load is quarantined, in scan order."""
    uses = db.session.scalars(
        select(PackUse)
        .filter_by(session_id=session.id)
        .options(
            joinedload(PackUse.pack).joinedload(InstrumentPack.cycle),
            joinedload(PackUse.pack).joinedload(InstrumentPack.quarantined_by_test),
        )
        .order_by(PackUse.id)
    )
    return [use for use in uses if load_quarantined(use.pack)]


def sessions_with_suspect_packs(clinic: Clinic) -> list[int]:
    """Ids of the clinic's sessions that opened a pack from a quarantined load."""
    return list(
        db.session.scalars(
            select(PackUse.session_id)
            .join(InstrumentPack, InstrumentPack.id == PackUse.pack_id)
            .join(SteriliserCycle, SteriliserCycle.id == InstrumentPack.cycle_id)
            .join(TreatmentSession, TreatmentSession.id == PackUse.session_id)
            .where(
                TreatmentSession.clinic_id == clinic.id,
                InstrumentPack.quarantined_by_test_id.is_not(None)
                | (SteriliserCycle.status == CycleStatus.QUARANTINED),
            )
            .distinct()
        )
    )


def sterilisation_notices_for_session(session: TreatmentSession) -> list[SterilisationNotice]:
    """One notice per suspect pack used in the session."""
    return [_notice(use, session.clinic) for use in suspect_pack_uses(session)]


def _found_on(use: PackUse) -> date | None:
    test: BiologicalIndicatorTest | None = use.pack.quarantined_by_test
    return test.read_at.date() if test is not None else None


def _notice(use: PackUse, clinic: Clinic) -> SterilisationNotice:
    contact = " or ".join(part for part in (clinic.phone, clinic.email) if part)
    ask = f"Questions: contact {clinic.name}" + (f" ({contact})." if contact else ".")
    pack, cycle = use.pack, use.pack.cycle
    return SterilisationNotice(
        contents=pack.contents,
        pack=pack.code,
        steriliser=cycle.steriliser.name,
        cycle=cycle.cycle_number,
        found_on=_found_on(use),
        what_to_do=(
            "A later test of the steriliser (a spore test) failed, so the clinic can no longer "
            "confirm that these instruments were sterile. This does not mean they were "
            "contaminated. If the treated area becomes more red, warm, swollen or painful, "
            "oozes pus, or you get a fever, see a doctor and show them this page. " + ask
        ),
    )
