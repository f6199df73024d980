"""Receiving lots, finding the lot behind a scan, and the rules that make a lot unusable."""

from __future__ import annotations

import calendar
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from smp_hygiene.errors import MalformedLabel, UnknownLot, UnknownProduct, UnsafeSupply
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, LotStatus, Product, ProductKind, SupplyLot, User
from smp_hygiene.models.enums import SterilisationMethod
from smp_hygiene.services.audit import chain
from smp_hygiene.services.barcodes.reader import ParsedBarcode, parse_barcode
from smp_hygiene.timeutil import utcnow

# R2: a batch number that says nothing is as good as none.
_PLACEHOLDER_LOTS = {
    "",
    "0",
    "00",
    "000",
    "-",
    "--",
    "N/A",
    "NA",
    "NONE",
    "NIL",
    "LOT",
    "BATCH",
    "XXX",
    "XXXX",
    "TBD",
    "UNKNOWN",
    "?",
}
_LOT_NOISE = re.compile(r"^(LOT|BATCH|CH|CHARGE)[-.\s]*(NR|NO|NUM|NUMBER)?[-.:#\s]*", re.I)


@dataclass(frozen=True)
class PigmentLabel:
    """The label data REACH entry 75 point 7 asks for, as read off the bottle."""

    has_tattoo_use_statement: bool = False
    ingredients: str = ""
    warnings: str = ""  # pH regulator, nickel / Cr(VI), preservatives, safety instructions


def normalise_lot(text: str) -> str:
    """Match "Lot-Nr. D 199" and "d199" alike: drop the label word, spaces and punctuation."""
    stripped = _LOT_NOISE.sub("", text.strip())
    return re.sub(r"[^0-9A-Z]", "", stripped.upper())


def receive_lot(
    clinic: Clinic,
    raw_text: str,
    user: User,
    *,
    product: Product | None = None,
    quantity: int = 1,
    label: PigmentLabel | None = None,
    sterilisation_method: SterilisationMethod | None = None,
) -> SupplyLot:
    """Create a lot from a supplier barcode, or add stock to the lot already received."""
    scan = parse_barcode(raw_text)
    product = product or get_product_for_scan(clinic, scan)
    _require_label_basics(product, scan)
    existing = find_lot(product, scan.lot)
    if existing:
        before = chain.snapshot(existing)
        existing.quantity_received += quantity
        chain.record(user, "lot.restocked", existing, before=before)
        return existing
    lot = SupplyLot(
        clinic_id=clinic.id,
        product=product,
        lot_number=scan.lot,
        lot_key=normalise_lot(scan.lot),
        expiry_date=scan.expiry,
        quantity_received=quantity,
        received_by=user,
        received_at=utcnow(),
        raw_barcode=raw_text,
        label_code=secrets.token_urlsafe(9),
    )
    if product.kind is ProductKind.NEEDLE_CARTRIDGE:
        lot.sterility_expiry = scan.expiry  # on presterilised cartridges AI (17) is sterility
        lot.sterilisation_method = sterilisation_method
    if product.kind is ProductKind.PIGMENT:
        _apply_pigment_label(clinic, lot, label or PigmentLabel())
    db.session.add(lot)
    chain.record(user, "lot.received", lot)
    # Imported here: recalls builds on supplies, and only this one step needs it back.
    from smp_hygiene.services.recalls.operations import block_if_recalled

    block_if_recalled(lot, user)
    return lot


def _require_label_basics(product: Product, scan: ParsedBarcode) -> None:
    if not scan.lot or scan.lot.strip().upper() in _PLACEHOLDER_LOTS:
        raise MalformedLabel(
            f"The barcode for {product.title} carries no usable lot number "
            f"({scan.lot or 'none'}). A lot cannot be traced without one."
        )
    if scan.expiry is None and product.kind is not ProductKind.OTHER:
        what = (
            "sterile needle cartridge"
            if product.kind is ProductKind.NEEDLE_CARTRIDGE
            else "pigment"
        )
        raise MalformedLabel(
            f"The barcode for {product.title} lot {scan.lot} has no expiry date: "
            f"a {what} without one cannot be accepted."
        )


def _apply_pigment_label(clinic: Clinic, lot: SupplyLot, label: PigmentLabel) -> None:
    lot.has_tattoo_use_statement = label.has_tattoo_use_statement
    lot.ingredients = label.ingredients.strip()
    lot.label_warnings = label.warnings.strip()
    missing = missing_label_data(lot)
    if clinic.requires_eu_ink_label and missing:
        lot.status = LotStatus.NON_COMPLIANT_LABEL
        lot.status_reason = "Label lacks " + " and ".join(missing) + " (REACH Annex XVII entry 75)."
        lot.status_changed_at = utcnow()


def missing_label_data(lot: SupplyLot) -> list[str]:
    """What REACH entry 75 point 7 asks of a pigment label that this lot does not record."""
    missing = []
    if not lot.has_tattoo_use_statement:
        missing.append('the "Mixture for use in tattoos or permanent make-up" statement')
    if not lot.ingredients:
        missing.append("the ingredient list")
    return missing


def get_product_for_scan(clinic: Clinic, scan: ParsedBarcode) -> Product:
    """The catalogue product a supplier barcode names, or UnknownProduct asking to pick one."""
    key = scan.product_key
    product = None
    if key:
        product = db.session.scalar(
            select(Product).where(Product.clinic_id == clinic.id, Product.product_key == key)
        )
    if product is None:
        raise UnknownProduct(
            f"Product {key or 'without a GTIN'} is not in the catalogue yet: "
            "choose which product this is, then scan again."
        )
    return product


def find_lot(product: Product, lot_number: str | None) -> SupplyLot | None:
    if not lot_number:
        return None
    return db.session.scalar(
        select(SupplyLot).where(
            SupplyLot.product_id == product.id, SupplyLot.lot_key == normalise_lot(lot_number)
        )
    )


def get_lot_for_scan(clinic: Clinic, scan: ParsedBarcode) -> SupplyLot:
    """The received lot behind a scan at the chair, or UnknownLot telling what to do."""
    if scan.symbology == "smph-lot":
        lot = db.session.scalar(
            select(SupplyLot).where(
                SupplyLot.label_code == scan.own_code, SupplyLot.clinic_id == clinic.id
            )
        )
        if lot is None:
            raise UnknownLot(
                "This lot label is not one of this clinic's: reprint it from Receiving."
            )
        return lot
    product = get_product_for_scan(clinic, scan)
    lot = find_lot(product, scan.lot)
    if lot is None:
        raise UnknownLot(
            f"{product.title} lot {scan.lot or '(none on the barcode)'} has not been "
            "received. Receive it first, then scan again."
        )
    return lot


def check_lot_usable(lot: SupplyLot, on: date) -> None:
    """Refuse expired, recalled, quarantined, non-compliant, used-up or unsterile lots: never
    overridable."""
    what = f"{lot.product.kind.label} lot {lot.lot_number}"
    if lot.status is LotStatus.RECALLED:
        raise UnsafeSupply(f"{what} was recalled{_why(lot)}. Do not use it; set it aside.")
    if lot.status is LotStatus.QUARANTINED:
        raise UnsafeSupply(f"{what} is quarantined{_why(lot)}. Do not use it.")
    if lot.status is LotStatus.NON_COMPLIANT_LABEL:
        raise UnsafeSupply(f"{what} has a non-compliant label{_why(lot)}. It cannot be used.")
    if lot.status is LotStatus.USED_UP:
        raise UnsafeSupply(f"{what} is marked as used up. Scan the lot you are actually using.")
    if lot.expiry_date and lot.expiry_date < on:
        raise UnsafeSupply(f"{what} expired on {lot.expiry_date.isoformat()}.")
    if lot.is_needle and (lot.sterility_expiry is None or lot.sterility_expiry < on):
        ended = lot.sterility_expiry.isoformat() if lot.sterility_expiry else "unknown"
        raise UnsafeSupply(f"{what} is no longer guaranteed sterile (sterility expiry {ended}).")
    _check_period_after_opening(lot, on)


def _check_period_after_opening(lot: SupplyLot, on: date) -> None:
    months = lot.product.period_after_opening_months
    if not (lot.is_pigment and lot.opened_at and months):
        return
    ends = add_months(lot.opened_at.date(), months)
    if ends < on:
        raise UnsafeSupply(
            f"Pigment bottle lot {lot.lot_number} was opened on {lot.opened_at:%Y-%m-%d}; "
            f"its {months}-month period after opening ended on {ends.isoformat()}."
        )


def _why(lot: SupplyLot) -> str:
    parts = [p for p in (lot.status_reason.rstrip("."), lot.status_reference) if p]
    return f" ({'; '.join(parts)})" if parts else ""


def add_months(start: date, months: int) -> date:
    """Calendar months; the 31st of a short month becomes that month's last day."""
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def mark_opened(lot: SupplyLot, user: User, at: datetime) -> None:
    """The first use of a pigment bottle starts its period after opening."""
    if lot.opened_at is not None:
        return
    before = chain.snapshot(lot)
    lot.opened_at = at
    chain.record(user, "lot.opened", lot, before=before)


def set_lot_status(
    lot: SupplyLot, status: LotStatus, actor: User, reason: str, reference: str = ""
) -> None:
    """Quarantine, recall or release a lot, with the reason the chair will show."""
    before = chain.snapshot(lot)
    lot.status, lot.status_reason, lot.status_reference = status, reason.strip(), reference.strip()
    lot.status_changed_at = utcnow()
    chain.record(actor, f"lot.{status.value}", lot, before=before)
