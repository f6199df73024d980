"""Receiving lots by barcode, and finding the received lot behind a scan at the chair."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from smp_hygiene.errors import MalformedLabel, UnknownLot, UnknownProduct
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, LotStatus, Product, ProductKind, SupplyLot, User
from smp_hygiene.models.enums import SterilisationMethod
from smp_hygiene.services.audit import chain
from smp_hygiene.services.barcodes.reader import ParsedBarcode, parse_barcode
from smp_hygiene.services.lots.identity import is_placeholder, normalise_lot
from smp_hygiene.services.lots.status import block_if_recalled
from smp_hygiene.services.supplies import catalogue, label_checks
from smp_hygiene.timeutil import local_date, utcnow


@dataclass(frozen=True)
class TypedLot:
    """The lot number and expiry typed from the packaging when the barcode names no lot."""

    lot_number: str | None = None
    expiry: date | None = None


@dataclass(frozen=True)
class PigmentLabel:
    """The label data REACH entry 75 point 7 asks for, as read off the bottle."""

    has_tattoo_use_statement: bool = False
    ingredients: str = ""
    warnings: str = ""  # pH regulator, nickel / Cr(VI), preservatives, safety instructions


def receive_lot(
    clinic: Clinic,
    raw_text: str,
    user: User,
    *,
    product: Product | None = None,
    quantity: int = 1,
    label: PigmentLabel | None = None,
    sterilisation_method: SterilisationMethod | None = None,
    typed: TypedLot | None = None,
    now: datetime | None = None,
) -> SupplyLot:
    """Create a lot from a supplier barcode, or restock the lot already received (R4, R29)."""
    today = local_date(now or utcnow(), clinic.timezone)
    scan = parse_barcode(raw_text, today)
    product = product or get_product_for_scan(clinic, scan)
    lot_number, expiry = _require_label_basics(product, scan, typed or TypedLot())
    label_checks.check_not_expired_on_arrival(product, lot_number, expiry, today)
    label_checks.note_serial(product, scan, user)
    existing = find_lot(product, lot_number)
    if existing:
        label_checks.check_label_agrees(existing, expiry)
        return _restock(existing, quantity, user)
    lot = SupplyLot(
        clinic_id=clinic.id,
        product=product,
        lot_number=lot_number,
        lot_key=normalise_lot(lot_number),
        expiry_date=expiry,
        quantity_received=quantity,
        received_by=user,
        received_at=now or utcnow(),
        raw_barcode=raw_text,
        label_code=secrets.token_urlsafe(9),
    )
    _apply_kind_details(clinic, lot, label, sterilisation_method)
    db.session.add(lot)
    chain.record(user, "lot.received", lot)
    block_if_recalled(lot, user)  # a lot recalled before it arrived is blocked on arrival
    return lot


def _apply_kind_details(
    clinic: Clinic,
    lot: SupplyLot,
    label: PigmentLabel | None,
    sterilisation_method: SterilisationMethod | None,
) -> None:
    if lot.product.kind is ProductKind.NEEDLE_CARTRIDGE:
        lot.sterility_expiry = lot.expiry_date  # on presterilised cartridges AI (17) is sterility
        lot.sterilisation_method = sterilisation_method
    if lot.product.kind is ProductKind.PIGMENT:
        _apply_pigment_label(clinic, lot, label or PigmentLabel())


def _restock(lot: SupplyLot, quantity: int, user: User) -> SupplyLot:
    """A lot already received gains stock; it stays one lot, with one label and one history."""
    before = chain.snapshot(lot)
    lot.quantity_received += quantity
    chain.record(user, "lot.restocked", lot, before=before)
    return lot


def _require_label_basics(
    product: Product, scan: ParsedBarcode, typed: TypedLot
) -> tuple[str, date | None]:
    """The lot number and expiry, once the label (or, for a retail code naming no lot, what was
    typed from the packaging) gives a real lot number and, where needed, an expiry."""
    if not label_checks.identifies_lot(scan):
        return _typed_basics(product, typed)
    if scan.lot is None or is_placeholder(scan.lot):
        raise MalformedLabel(
            f"The barcode for {product.title} carries no usable lot number "
            f"({scan.lot or 'none'}). A lot cannot be traced without one."
        )
    if scan.expiry is None and product.kind is not ProductKind.OTHER:
        needle = product.kind is ProductKind.NEEDLE_CARTRIDGE
        what = "sterile needle cartridge" if needle else "pigment"
        raise MalformedLabel(
            f"The barcode for {product.title} lot {scan.lot} has no expiry date: "
            f"a {what} without one cannot be accepted."
        )
    return scan.lot, scan.expiry


def _typed_basics(product: Product, typed: TypedLot) -> tuple[str, date | None]:
    """A retail code names the product only: the lot and expiry come from the packaging."""
    lot_number = (typed.lot_number or "").strip()
    if not lot_number or is_placeholder(lot_number):
        raise MalformedLabel(
            f"The barcode names {product.title} but no lot number: type the lot number "
            "and expiry date printed on the packaging."
        )
    if typed.expiry is None and product.kind is not ProductKind.OTHER:
        raise MalformedLabel(
            f"Type the expiry date printed on the packaging of {product.title} lot "
            f"{lot_number}: a {product.kind.label.lower()} without one cannot be accepted."
        )
    return lot_number, typed.expiry


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


def product_to_receive(
    clinic: Clinic,
    scan: ParsedBarcode,
    chosen: Product | None = None,
    typed: TypedLot | None = None,
    now: datetime | None = None,
) -> Product:
    """The product a delivery's barcode names (or the one chosen for it), once the expiry known
    so far is not already past: expired stock is refused at the door, before more typing."""
    product = chosen or get_product_for_scan(clinic, scan)
    lot_number, expiry = scan.lot, scan.expiry
    if not label_checks.identifies_lot(scan) and typed is not None:
        lot_number, expiry = typed.lot_number, typed.expiry
    today = local_date(now or utcnow(), clinic.timezone)
    label_checks.check_not_expired_on_arrival(product, lot_number or "?", expiry, today)
    return product


def get_product_for_scan(clinic: Clinic, scan: ParsedBarcode) -> Product:
    """The catalogue product a supplier barcode names, or UnknownProduct asking to pick one."""
    product = catalogue.find_for_scan(clinic, scan)  # by GTIN or HIBC labeler + product code
    if product is None:
        raise UnknownProduct(
            f"Product {scan.product_key or 'without a GTIN'} is not in the catalogue yet: "
            "choose which product this is, then scan again."
        )
    return product


def find_lot(product: Product, lot_number: str | None) -> SupplyLot | None:
    if not lot_number:
        return None
    lot = db.session.scalar(
        select(SupplyLot).where(
            SupplyLot.product_id == product.id, SupplyLot.lot_key == normalise_lot(lot_number)
        )
    )
    if lot is not None:  # the product is in hand: the lot needs not load it again
        set_committed_value(lot, "product", product)
    return lot


def get_lot_for_scan(
    clinic: Clinic, scan: ParsedBarcode, typed_lot: str | None = None
) -> SupplyLot:
    """The received lot behind a scan at the chair, or UnknownLot telling what to do. A label
    whose expiry contradicts its received lot is refused; a retail code naming no lot is
    accepted only with a lot typed by hand, where the product allows it."""
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
    lot_number = (
        scan.lot if label_checks.identifies_lot(scan) else label_checks.hand_lot(product, typed_lot)
    )
    lot = find_lot(product, lot_number)
    if lot is None:
        raise UnknownLot(
            f"{product.title} lot {lot_number or '(none on the barcode)'} has not been "
            "received. Receive it first, then scan again."
        )
    label_checks.check_label_agrees(lot, scan.expiry)
    return lot
