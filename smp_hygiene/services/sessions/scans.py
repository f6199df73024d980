"""One scan at the chair: find the lot, apply every supply rule, record the use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from smp_hygiene.errors import (
    AlreadyUsed,
    InvalidInput,
    LabelInfoNotShown,
    MalformedBarcode,
    NotAllowed,
    PatchTestRequired,
    SessionNotOpen,
)
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    PackUse,
    PatchTestMode,
    ProductKind,
    SessionStatus,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.barcodes.reader import ParsedBarcode, parse_barcode
from smp_hygiene.services.consent import patch_tests
from smp_hygiene.services.sessions import overrides
from smp_hygiene.services.sessions.locks import lock_session
from smp_hygiene.services.sterilisation import packs
from smp_hygiene.services.supplies import label_checks, receiving, usability
from smp_hygiene.timeutil import local_date, utcnow

# Two identical scans this close together are one barcode read twice, not two uses.
DOUBLE_SCAN_WINDOW = timedelta(seconds=3)


@dataclass(frozen=True)
class ScanResult:
    """A supply use, or for one of our instrument-pack labels, a pack use."""

    use: SupplyUse | None = None
    duplicate: bool = False
    pack_use: PackUse | None = None


def session_day(session: TreatmentSession) -> date:
    """The clinic's calendar day the session started on: the day expiry rules are judged by."""
    return local_date(session.started_at, session.clinic.timezone)


def require_open(session: TreatmentSession, user: User) -> None:
    """Only the clinic's own staff touch a session, and only while it is in progress."""
    if user.clinic_id != session.clinic_id:
        raise NotAllowed("This session belongs to another clinic.")
    if session.status is not SessionStatus.IN_PROGRESS:
        raise SessionNotOpen(
            f"Session #{session.id} is {session.status.value.replace('_', ' ')}: "
            "it no longer accepts scans or ticks. Use an addendum to correct it."
        )


def record_scan(
    session: TreatmentSession,
    raw_text: str,
    user: User,
    *,
    quantity: int = 1,
    diluent_raw: str | None = None,
    acknowledge_reason: str | None = None,
    typed_lot: str | None = None,
    now: datetime | None = None,
    repeat_window: timedelta = DOUBLE_SCAN_WINDOW,
) -> ScanResult:
    """Record one supply used in the session, after every rule for that kind of supply."""
    now = now or utcnow()
    lock_session(session)
    require_open(session, user)
    since = now - repeat_window  # an identical scan after this is a double read
    repeat = _recent_repeat(session, raw_text, since)
    if repeat is not None:
        return ScanResult(repeat, duplicate=True)
    scan = parse_barcode(raw_text)
    if scan.symbology == "smph-pack":
        return _use_pack(session, scan, raw_text, user, (now, since), acknowledge_reason)
    lot = receiving.get_lot_for_scan(session.clinic, scan, typed_lot)
    usability.check_lot_usable(lot, session_day(session))
    use = SupplyUse(session_id=session.id, lot=lot, quantity=quantity, used_at=now, used_by=user)
    # A barcode naming no lot reached here only with a lot typed by hand: the use says so.
    use.raw_barcode, use.is_hand_entry = raw_text, not label_checks.identifies_lot(scan)
    _apply_kind_rules(session, use, scan, user, acknowledge_reason)
    if diluent_raw:
        use.diluent_lot = _diluent(session, lot, diluent_raw)
    _insert(use)
    db.session.expire(session, ["uses"])
    chain.record(user, "supply.used", use)
    return ScanResult(use)


def _apply_kind_rules(
    session: TreatmentSession,
    use: SupplyUse,
    scan: ParsedBarcode,
    user: User,
    acknowledge_reason: str | None,
) -> None:
    """A needle is one unit used once; a pigment needs its clearance and starts its bottle clock."""
    if use.lot.is_needle:
        _claim_unit(use, scan, use.lot, user)
    if use.lot.is_pigment:
        _clear_pigment(session, use, user, acknowledge_reason)
        usability.mark_opened(use.lot, user, use.used_at)


def _use_pack(
    session: TreatmentSession,
    scan: ParsedBarcode,
    raw_text: str,
    user: User,
    when: tuple[datetime, datetime],
    acknowledge_reason: str | None,
) -> ScanResult:
    """Reprocessed instruments: the sterilisation rules live in services/packs."""
    now, since = when
    code = scan.own_code
    if code is None:
        raise MalformedBarcode("This instrument-pack label carries no pack code.")
    repeat = db.session.scalar(
        select(PackUse).where(
            PackUse.session_id == session.id,
            PackUse.raw_barcode == raw_text,
            PackUse.used_at >= since,
        )
    )
    if repeat is not None:
        return ScanResult(duplicate=True, pack_use=repeat)
    use = packs.use_pack(session, code, user, now, acknowledge_reason, raw_barcode=raw_text)
    return ScanResult(pack_use=use)


def _recent_repeat(session: TreatmentSession, raw_text: str, since: datetime) -> SupplyUse | None:
    return db.session.scalar(
        select(SupplyUse)
        .where(
            SupplyUse.session_id == session.id,
            SupplyUse.raw_barcode == raw_text,
            SupplyUse.used_at >= since,
        )
        .order_by(SupplyUse.id.desc())
        .limit(1)
    )


def _claim_unit(use: SupplyUse, scan: ParsedBarcode, lot: SupplyLot, user: User) -> None:
    """A serialised cartridge (AI 21) is one physical unit: it may appear in one session only,
    and once its product is known to be serialised, a scan without the serial is refused."""
    label_checks.require_serial(lot.product, scan)
    if not scan.serial:
        return
    label_checks.note_serial(lot.product, scan, user)
    use.serial = scan.serial
    use.unit_key = f"{lot.product.product_key or lot.product_id}/{scan.serial}"
    earlier = db.session.scalar(select(SupplyUse).where(SupplyUse.unit_key == use.unit_key))
    if earlier is not None:
        raise _reused(use, earlier)


def _reused(use: SupplyUse, earlier: SupplyUse) -> AlreadyUsed:
    # Another clinic's session number and date are that clinic's records: name them only at home.
    if earlier.lot.clinic_id != use.lot.clinic_id:
        return AlreadyUsed(
            f"Cartridge serial {use.serial} was already used elsewhere. Needles are "
            "single-use: open a new one."
        )
    return AlreadyUsed(
        f"Cartridge serial {use.serial} was already used in session "
        f"#{earlier.session_id} on {earlier.used_at:%Y-%m-%d}. Needles are "
        "single-use: open a new one."
    )


def _insert(use: SupplyUse) -> None:
    """The unique unit_key settles a race between two chairs; the loser gets a plain message."""
    try:
        with db.session.begin_nested():
            db.session.add(use)
    except IntegrityError:
        earlier = db.session.scalar(select(SupplyUse).where(SupplyUse.unit_key == use.unit_key))
        if earlier is None:
            raise
        raise _reused(use, earlier) from None


def _clear_pigment(
    session: TreatmentSession, use: SupplyUse, user: User, acknowledge_reason: str | None
) -> None:
    if session.label_info_provided_at is None:
        raise LabelInfoNotShown(
            "Show the client the label information of the pigments (batch "
            "and ingredients) and tick the attestation before the first pigment."
        )
    try:
        use.patch_test = patch_tests.clearing_test(
            session.client, use.lot.product, session.clinic, session.started_at, use.lot
        )
    except PatchTestRequired as refusal:
        if refusal.reacted or session.clinic.patch_test_mode is not PatchTestMode.WARN:
            raise
        overrides.acknowledge(session, user, "patch_test", str(refusal), acknowledge_reason)


def _diluent(session: TreatmentSession, dosed: SupplyLot, raw_text: str) -> SupplyLot:
    """Only a pigment dose is diluted, and the diluent obeys the same supply rules."""
    if not dosed.is_pigment:
        raise InvalidInput("Only a pigment dose is diluted: clear the diluent and scan again.")
    lot = receiving.get_lot_for_scan(session.clinic, parse_barcode(raw_text))
    if lot.product.kind is not ProductKind.OTHER:
        raise NotAllowed(f"{lot.product.title} is not a diluent: scan the diluent bottle.")
    usability.check_lot_usable(lot, session_day(session))
    return lot
