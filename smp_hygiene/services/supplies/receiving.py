"""Receiving lots by barcode, and finding the received lot behind a scan at the chair."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from smp_hygiene.errors import MalformedLabel, UnknownLot, UnknownProduct
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, LotStatus, Product, ProductKind, SupplyLot, User
from smp_hygiene.models.enums import SterilisationMethod
from smp_hygiene.services.audit import chain
from smp_hygiene.services.barcodes.reader import ParsedBarcode, parse_barcode
from smp_hygiene.services.lots.identity import is_placeholder, normalise_lot
from smp_hygiene.services.lots.status import block_if_recalled
from smp_hygiene.timeutil import utcnow


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
) -> SupplyLot:
    """Create a lot from a supplier barcode, or add stock to the lot already received."""
    scan = parse_barcode(raw_text)
    product = product or get_product_for_scan(clinic, scan)
    lot_number = _require_label_basics(product, scan)
    existing = find_lot(product, lot_number)
    if existing:
        return _restock(existing, quantity, user)
    lot = SupplyLot(
        clinic_id=clinic.id,
        product=product,
        lot_number=lot_number,
        lot_key=normalise_lot(lot_number),
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
    block_if_recalled(lot, user)  # a lot recalled before it arrived is blocked on arrival
    return lot


def _restock(lot: SupplyLot, quantity: int, user: User) -> SupplyLot:
    """A lot already received gains stock; it stays one lot, with one label and one history."""
    before = chain.snapshot(lot)
    lot.quantity_received += quantity
    chain.record(user, "lot.restocked", lot, before=before)
    return lot


def _require_label_basics(product: Product, scan: ParsedBarcode) -> str:
    """The scan's lot number, once the label carries a real one and, where needed, an expiry."""
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
    return scan.lot


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
