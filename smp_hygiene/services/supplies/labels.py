"""The pigment label information a client is shown before the first pigment (REACH entry 75
point 7, DOMAIN R3): product, batch, the tattoo-use statement, ingredients and warnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import LotStatus, Product, ProductKind, SupplyLot, TreatmentSession
from smp_hygiene.services.supplies.usability import check_lot_usable
from smp_hygiene.timeutil import local_date, utcnow


@dataclass(frozen=True)
class PigmentLabel:
    """One pigment lot's label, as the client is shown it."""

    product: str
    colour: str
    lot_number: str
    expiry: date | None
    tattoo_use_statement: bool
    ingredients: str
    warnings: str
    scanned: bool  # already used in this session, not just in stock


def pigment_label(lot: SupplyLot, scanned: bool = False) -> PigmentLabel:
    """The label data a pigment lot was received with."""
    return PigmentLabel(
        product=lot.product.title,
        colour=lot.product.colour,
        lot_number=lot.lot_number,
        expiry=lot.expiry_date,
        tattoo_use_statement=lot.has_tattoo_use_statement,
        ingredients=lot.ingredients,
        warnings=lot.label_warnings,
        scanned=scanned,
    )


def session_labels(session: TreatmentSession, now: datetime | None = None) -> list[PigmentLabel]:
    """The pigments scanned in the session, then every pigment lot the chair would still accept.

    The attestation comes before the first pigment, when nothing is scanned yet: the lots the
    technician can choose from are the ones the client must be able to see."""
    scanned = {use.lot.id: use.lot for use in session.uses if use.lot.is_pigment}
    on = local_date(now or utcnow(), session.clinic.timezone)
    in_stock = [
        lot for lot in _pigment_stock(session) if lot.id not in scanned and _usable(lot, on)
    ]
    return [pigment_label(lot, scanned=True) for lot in scanned.values()] + [
        pigment_label(lot) for lot in in_stock
    ]


def _pigment_stock(session: TreatmentSession) -> list[SupplyLot]:
    return list(
        db.session.scalars(
            select(SupplyLot)
            .join(Product, Product.id == SupplyLot.product_id)
            .where(
                SupplyLot.clinic_id == session.clinic_id,
                SupplyLot.status == LotStatus.AVAILABLE,
                Product.kind == ProductKind.PIGMENT,
            )
            .order_by(Product.manufacturer, Product.name, SupplyLot.lot_number)
        )
    )


def _usable(lot: SupplyLot, on: date) -> bool:
    try:
        check_lot_usable(lot, on)
    except DomainError:
        return False
    return True
