"""Instrument packs at the chair: only a released, in-date, unopened pack may be used (R13–R17)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from smp_hygiene.errors import (
    AlreadyUsed,
    InvalidInput,
    NotAllowed,
    NotFound,
    SessionNotOpen,
    UnsafeSupply,
)
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    CycleStatus,
    InstrumentPack,
    OverdueMode,
    PackStatus,
    PackUse,
    SessionStatus,
    Steriliser,
    SteriliserCycle,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.sessions import overrides
from smp_hygiene.services.sessions.locks import lock_session
from smp_hygiene.services.sterilisation.spore_tests import spore_test_overdue
from smp_hygiene.services.sterilisation.sterilisers import settings_for
from smp_hygiene.timeutil import local_date, utcnow

PACK_LABEL_PREFIX = "SMPH-PACK:"
OVERDUE_CODE = "spore_test_overdue"


def find_pack(clinic_id: int, code: str) -> InstrumentPack | None:
    """The clinic's pack with this code (from SMPH-PACK:<code>), or None."""
    return db.session.scalar(
        select(InstrumentPack)
        .join(SteriliserCycle, InstrumentPack.cycle_id == SteriliserCycle.id)
        .join(Steriliser, SteriliserCycle.steriliser_id == Steriliser.id)
        .where(InstrumentPack.code == code, Steriliser.clinic_id == clinic_id)
        .options(joinedload(InstrumentPack.cycle).joinedload(SteriliserCycle.steriliser))
    )


def use_pack(
    session: TreatmentSession,
    code: str,
    user: User,
    now: datetime,
    acknowledge_reason: str | None = None,
    raw_barcode: str = "",
) -> PackUse:
    """Open a pack for this session, once, if its load is proven sterile and the pack in date.

    An overdue spore test blocks, or warns unless `acknowledge_reason` is given, per the clinic
    setting; an acknowledged warning is kept on the session as a SafetyOverride.
    """
    lock_session(session)
    if user.clinic_id != session.clinic_id:
        raise NotAllowed("This session belongs to another clinic.")
    if session.status is not SessionStatus.IN_PROGRESS:
        raise SessionNotOpen("Only a session in progress can record a pack.")
    pack = find_pack(session.clinic_id, code)
    if pack is None:
        raise NotFound(f"Pack {code} is not in this clinic's sterilisation log.")
    _check_not_used(pack, session)
    if problem := pack_problem(pack, now):
        raise UnsafeSupply(problem)
    _check_spore_test(session, pack.cycle.steriliser, user, now, acknowledge_reason)
    use = PackUse(
        session_id=session.id,
        pack_id=pack.id,
        used_at=now,
        used_by=user,
        raw_barcode=raw_barcode or PACK_LABEL_PREFIX + code,
    )
    _insert(use, pack)
    before = chain.snapshot(pack)
    pack.status, pack.status_changed_at = PackStatus.USED, now
    chain.record(user, "instrument_pack.used", pack, before=before)
    chain.record(user, "pack_use.recorded", use)
    return use


def _insert(use: PackUse, pack: InstrumentPack) -> None:
    """The unique pack_id settles a race between two chairs; the loser gets a plain message."""
    try:
        with db.session.begin_nested():
            db.session.add(use)
    except IntegrityError:
        raise AlreadyUsed(f"Pack {pack.code} was just used in another session.") from None
    db.session.expire(pack, ["use"])


def _check_not_used(pack: InstrumentPack, session: TreatmentSession) -> None:
    if pack.use is None:
        return
    if pack.use.session_id == session.id:
        raise AlreadyUsed(f"Pack {pack.code} is already recorded in this session.")
    raise AlreadyUsed(
        f"Pack {pack.code} was already used in session #{pack.use.session_id} "
        f"on {pack.use.used_at.date()}."
    )


def pack_problem(pack: InstrumentPack, now: datetime) -> str | None:
    """Why this pack may not be opened on a client, in plain words; None if it may."""
    cycle = pack.cycle
    if pack.status is PackStatus.QUARANTINED:
        return f"Pack {pack.code} is quarantined: {pack.status_reason}."
    if pack.status is PackStatus.DISCARDED:
        return f"Pack {pack.code} was discarded: {pack.status_reason}."
    if cycle.status is CycleStatus.QUARANTINED:
        return f"Pack {pack.code} is quarantined: {cycle.status_reason}."
    if cycle.status is not CycleStatus.RELEASED:
        return (
            f"Pack {pack.code} is from cycle {cycle.cycle_number} on {cycle.steriliser.name}, "
            "which has not been released."
        )
    if (
        pack.expires_on is not None
        and local_date(now, cycle.steriliser.clinic.timezone) > pack.expires_on
    ):
        return f"Pack {pack.code} passed its shelf life on {pack.expires_on}."
    return None


def _check_spore_test(
    session: TreatmentSession,
    steriliser: Steriliser,
    user: User,
    now: datetime,
    reason: str | None,
) -> None:
    """R15: an overdue spore test blocks or warns, as the clinic chose."""
    overdue = spore_test_overdue(steriliser, now)
    if overdue is None:
        return
    mode = settings_for(steriliser.clinic).spore_test_overdue_mode
    if mode is OverdueMode.BLOCK:
        raise UnsafeSupply(overdue.message)
    overrides.acknowledge(session, user, OVERDUE_CODE, overdue.message, reason)


def discard_pack(
    pack: InstrumentPack, user: User, reason: str, now: datetime | None = None
) -> None:
    """Take a wet, torn or opened pack out of use (event-related storage, R17)."""
    if not reason.strip():
        raise InvalidInput("Say why the pack is discarded (wet, torn, opened...).")
    if pack.status is PackStatus.USED:
        raise AlreadyUsed(f"Pack {pack.code} was already used; it cannot be discarded.")
    before = chain.snapshot(pack)
    pack.status, pack.status_reason = PackStatus.DISCARDED, reason.strip()
    pack.status_changed_at = now or utcnow()
    chain.record(user, "instrument_pack.discarded", pack, before=before)


def list_pack_uses(session: TreatmentSession) -> list[PackUse]:
    """The packs opened in a session, with their cycle and steriliser, in scan order."""
    return list(
        db.session.scalars(
            select(PackUse)
            .filter_by(session_id=session.id)
            .options(
                joinedload(PackUse.pack)
                .joinedload(InstrumentPack.cycle)
                .joinedload(SteriliserCycle.steriliser)
            )
            .order_by(PackUse.id)
        )
    )


def sealed_pack(use: PackUse) -> dict:
    """What a sealed record vouches for about one pack: which load, its printout, released when
    and by whom (R13, R17). The cycle's and pack's status are left out: a later quarantine must
    not break the seal, it is shown beside it. What was true when the pack was opened is kept
    as a fact that cannot change afterwards: the load had been released before that moment."""
    pack, cycle = use.pack, use.pack.cycle
    return {
        "pack": pack.code,
        "contents": pack.contents,
        "steriliser": cycle.steriliser.name,
        "steriliser_serial": cycle.steriliser.serial,
        "cycle": cycle.cycle_number,
        "cycle_id": cycle.id,
        "program": cycle.program,
        "printout": _printout(cycle),
        "sterilised_at": cycle.started_at,
        "released_at": cycle.released_at,
        "released_by": cycle.released_by_id,
        "released_before_use": cycle.released_at is not None and cycle.released_at <= use.used_at,
        "expires_on": pack.expires_on,
        "used_at": use.used_at,
        "used_by": use.used_by_id,
        "raw": use.raw_barcode,
    }


def _printout(cycle: SteriliserCycle) -> dict:
    # float(): a value set as an int in this transaction reads back as a float later
    return {
        "temperature_c": float(cycle.temperature_c),
        "exposure_minutes": float(cycle.exposure_minutes),
        "pressure_kpa": float(cycle.pressure_kpa),
        "ci_class": cycle.ci_class,
        "ci_result": cycle.ci_result,
    }
