"""The clinic's product catalogue, and which entry a supplier barcode names."""

from __future__ import annotations

import re

from sqlalchemy import Select, or_, select

from smp_hygiene.errors import AlreadyExists, InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, LotStatus, Product, ProductKind, SupplyLot, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.barcodes.reader import ParsedBarcode, parse_barcode
from smp_hygiene.services.people.permissions import can_administer, require

# HIBC 2.6 §2.2: labeler code (4, letter first) then product code (1-18), both capitals/digits.
_HIBC_CODE = re.compile(r"[A-Z][A-Z0-9]{3}[A-Z0-9]{1,18}")
MAX_LOW_STOCK_LEVEL = 99_999


def add_product(
    clinic: Clinic,
    actor: User | None,
    *,
    kind: ProductKind,
    manufacturer: str,
    name: str,
    gtin: str | None = None,
    hibc_code: str | None = None,
    colour: str = "",
    period_after_opening_months: int | None = None,
    configuration: str = "",
) -> Product:
    """Add a catalogue entry; its GTIN and HIBC code are validated and unique within the clinic."""
    if not manufacturer.strip() or not name.strip():
        raise InvalidInput("A product needs a manufacturer and a name.")
    gtin = _valid_gtin(clinic, gtin) if gtin and gtin.strip() else None
    hibc_code = _valid_hibc(clinic, hibc_code) if hibc_code and hibc_code.strip() else None
    if kind is ProductKind.PIGMENT and not period_after_opening_months:
        raise InvalidInput("A pigment needs its period after opening, in months (the jar symbol).")
    product = Product(
        clinic=clinic,
        kind=kind,
        manufacturer=manufacturer.strip(),
        name=name.strip(),
        gtin=gtin,
        hibc_code=hibc_code,
        product_key=gtin or (f"HIBC:{hibc_code}" if hibc_code else None),
        colour=colour.strip(),
        configuration=configuration.strip(),
        period_after_opening_months=period_after_opening_months,
    )
    db.session.add(product)
    chain.record(actor, "product.added", product)
    return product


def _valid_gtin(clinic: Clinic, gtin: str) -> str:
    """A GTIN with a right check digit (R27), padded to 14, not yet in the catalogue."""
    valid = parse_barcode(f"(01){gtin.strip().zfill(14)}").gtin
    if valid is None:
        raise InvalidInput("Give the product's 14-digit GTIN, or leave it empty.")
    if find_by_key(clinic, valid):
        raise AlreadyExists(f"GTIN {valid} is already in the catalogue.")
    return valid


def _valid_hibc(clinic: Clinic, code: str) -> str:
    """An HIBC labeler + product code, typed or scanned (+A123BJC5D6E71G), not yet in use."""
    code = code.strip().upper()
    if code.startswith(("+", "*+")):
        scan = parse_barcode(code)
        if not scan.hibc_lic:
            raise InvalidInput(f'"{code}" is an HIBC secondary: scan the label\'s primary code.')
        code = f"{scan.hibc_lic}{scan.hibc_product}"
    if not _HIBC_CODE.fullmatch(code):
        raise InvalidInput(
            f'HIBC code "{code}" must be the 4-character labeler code (starting with a letter) '
            "followed by the product code (1 to 18 capitals or digits), e.g. A123BJC5D6E7."
        )
    if find_by_hibc(clinic, code):
        raise AlreadyExists(f"HIBC product {code} is already in the catalogue.")
    return code


def find_by_key(clinic: Clinic, key: str) -> Product | None:
    return db.session.scalar(
        select(Product).where(Product.clinic_id == clinic.id, Product.product_key == key)
    )


def find_by_hibc(clinic: Clinic, code: str) -> Product | None:
    return db.session.scalar(
        select(Product).where(Product.clinic_id == clinic.id, Product.hibc_code == code)
    )


def find_for_scan(clinic: Clinic, scan: ParsedBarcode) -> Product | None:
    """The catalogue entry a barcode names: by its GTIN, or by its HIBC labeler + product code."""
    matches = []
    if scan.gtin:
        matches.append(Product.gtin == scan.gtin)
    if scan.hibc_lic:
        matches.append(Product.hibc_code == f"{scan.hibc_lic}{scan.hibc_product}")
    if scan.product_key:
        matches.append(Product.product_key == scan.product_key)
    if not matches:
        return None
    return db.session.scalar(
        select(Product).where(Product.clinic_id == clinic.id, or_(*matches)).limit(1)
    )


def list_products(clinic: Clinic, kind: ProductKind | None = None) -> list[Product]:
    """The clinic's catalogue (or one kind of it), in the order the forms offer it."""
    query = select(Product).where(Product.clinic_id == clinic.id)
    if kind is not None:
        query = query.where(Product.kind == kind)
    return list(
        db.session.scalars(query.order_by(Product.kind, Product.manufacturer, Product.name))
    )


def products_query(clinic: Clinic, kind: ProductKind | None = None) -> Select:
    """The clinic's catalogue (or one kind of it), for a listing that pages by id."""
    query = select(Product).where(Product.clinic_id == clinic.id)
    return query if kind is None else query.where(Product.kind == kind)


def lots_query(
    clinic: Clinic, product_id: int | None = None, status: LotStatus | None = None
) -> Select:
    """The clinic's lots, of one product or in one status if asked, for a listing by id."""
    query = select(SupplyLot).where(SupplyLot.clinic_id == clinic.id)
    if product_id is not None:
        query = query.where(SupplyLot.product_id == product_id)
    return query if status is None else query.where(SupplyLot.status == status)


def list_lots(clinic: Clinic, kind: ProductKind) -> list[SupplyLot]:
    """Every lot of one kind the clinic received, by product then lot number."""
    query = (
        select(SupplyLot)
        .join(Product)
        .where(SupplyLot.clinic_id == clinic.id, Product.kind == kind)
        .order_by(Product.manufacturer, Product.name, SupplyLot.lot_number)
    )
    return list(db.session.scalars(query))


def set_manual_lot_entry(product: Product, allowed: bool, actor: User) -> None:
    """Let the chair take a lot typed by hand for this product's retail code (EAN/UPC), which
    names no lot; each such use is then marked as a hand entry on the sealed record."""
    if actor.clinic_id != product.clinic_id:
        raise NotAllowed("This product belongs to another clinic.")
    if product.allows_manual_lot is allowed:
        return
    before = chain.snapshot(product)
    product.allows_manual_lot = allowed
    chain.record(actor, "product.manual_lot_entry", product, before=before)


def set_low_stock_level(product: Product, level: int | None, actor: User) -> None:
    """An admin's alert: the stock view, Today and the dashboard flag the product once fewer
    units than `level` are in stock; None turns the alert off."""
    require(can_administer(actor), "Only an admin sets low-stock levels.")
    if actor.clinic_id != product.clinic_id:
        raise NotAllowed("This product belongs to another clinic.")
    if level is not None and not 1 <= level <= MAX_LOW_STOCK_LEVEL:
        raise InvalidInput(
            f"Give a low-stock level from 1 to {MAX_LOW_STOCK_LEVEL}, or leave it empty "
            "for no alert."
        )
    if product.low_stock_level == level:
        return
    before = chain.snapshot(product)
    product.low_stock_level = level
    chain.record(actor, "product.low_stock_level", product, before=before)
