"""The clinic's product catalogue."""

from __future__ import annotations

from sqlalchemy import select

from smp_hygiene.errors import AlreadyExists, InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, Product, ProductKind, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.barcodes.reader import parse_barcode


def add_product(
    clinic: Clinic,
    actor: User | None,
    *,
    kind: ProductKind,
    manufacturer: str,
    name: str,
    gtin: str | None = None,
    colour: str = "",
    period_after_opening_months: int | None = None,
    configuration: str = "",
) -> Product:
    """Add a catalogue entry; a GTIN is validated and unique within the clinic."""
    if not manufacturer.strip() or not name.strip():
        raise InvalidInput("A product needs a manufacturer and a name.")
    if gtin:
        gtin = parse_barcode(f"(01){gtin.strip()}").gtin  # validates the check digit
        if gtin is None:
            raise InvalidInput("Give the product's 14-digit GTIN, or leave it empty.")
        if find_by_key(clinic, gtin):
            raise AlreadyExists(f"GTIN {gtin} is already in the catalogue.")
    if kind is ProductKind.PIGMENT and not period_after_opening_months:
        raise InvalidInput("A pigment needs its period after opening, in months (the jar symbol).")
    product = Product(
        clinic=clinic,
        kind=kind,
        manufacturer=manufacturer.strip(),
        name=name.strip(),
        gtin=gtin or None,
        product_key=gtin or None,
        colour=colour.strip(),
        configuration=configuration.strip(),
        period_after_opening_months=period_after_opening_months,
    )
    db.session.add(product)
    chain.record(actor, "product.added", product)
    return product


def find_by_key(clinic: Clinic, key: str) -> Product | None:
    return db.session.scalar(
        select(Product).where(Product.clinic_id == clinic.id, Product.product_key == key)
    )


def list_products(clinic: Clinic) -> list[Product]:
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.clinic_id == clinic.id)
            .order_by(Product.kind, Product.manufacturer, Product.name)
        )
    )


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
