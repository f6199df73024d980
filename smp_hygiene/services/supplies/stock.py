"""What is on the shelf, read-only: per product, the lots in stock with what is left of them,
opened bottles with their period-after-opening countdown, lots expiring soon, and whether the
product is below the low-stock level its admin set.

A lot is in stock while it is available (not recalled, quarantined, non-compliant or used up),
has units left and is within its dates on the clinic's calendar day. A lot still marked
available but past its date is listed apart, to be set aside. Three queries, however many lots.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, LotStatus, Product, ProductKind, SupplyLot, SupplyUse
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.services.supplies.usability import period_after_opening_ends
from smp_hygiene.timeutil import local_date, utcnow

EXPIRY_WINDOW_DAYS = 30


@dataclass(frozen=True)
class LotStock:
    """One available lot, as the shelf holds it on `today` (the clinic's calendar day)."""

    lot: SupplyLot
    # Cartridges: received minus used. Bottles and other packs: as received, since a use
    # pours from a bottle rather than taking it off the shelf.
    units: int
    expires_on: date | None  # the earlier of the expiry and the sterility expiry
    opened_on: date | None  # the clinic's day the bottle was first used
    opened_until: date | None  # the last day of its period after opening
    today: date

    @property
    def use_by(self) -> date | None:
        """The last day the lot may be used: its expiry, or sooner once its bottle is opened."""
        return min((d for d in (self.expires_on, self.opened_until) if d is not None), default=None)

    @property
    def days_left(self) -> int | None:
        return None if self.use_by is None else (self.use_by - self.today).days

    @property
    def expires_soon(self) -> bool:
        """Usable today, and not after the next EXPIRY_WINDOW_DAYS days (today included)."""
        return self.days_left is not None and 0 <= self.days_left <= EXPIRY_WINDOW_DAYS

    @property
    def is_out_of_date(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def expiry_days_left(self) -> int | None:
        return None if self.expires_on is None else (self.expires_on - self.today).days

    @property
    def opened_days_ago(self) -> int | None:
        return None if self.opened_on is None else (self.today - self.opened_on).days

    @property
    def opened_days_left(self) -> int | None:
        return None if self.opened_until is None else (self.opened_until - self.today).days


@dataclass(frozen=True)
class ProductStock:
    """One catalogue product: its lots in stock (soonest first) and those to set aside."""

    product: Product
    lots: list[LotStock]
    out_of_date: list[LotStock]

    @property
    def units(self) -> int:
        return sum(entry.units for entry in self.lots)

    @property
    def is_low(self) -> bool:
        """Fewer units in stock than the admin's low-stock level (no level: never low)."""
        level = self.product.low_stock_level
        return level is not None and self.units < level

    @property
    def opened(self) -> list[LotStock]:
        return [entry for entry in self.lots if entry.opened_on is not None]

    @property
    def expiring(self) -> list[LotStock]:
        return [entry for entry in self.lots if entry.expires_soon]


@dataclass(frozen=True)
class StockFlags:
    """What the dashboard and Today point out: products low, lots expiring, lots out of date."""

    low: int
    expiring: int
    out_of_date: int

    def __bool__(self) -> bool:
        return bool(self.low or self.expiring or self.out_of_date)


@dataclass(frozen=True)
class Stock:
    today: date
    products: list[ProductStock]

    @property
    def flags(self) -> StockFlags:
        return StockFlags(
            low=sum(1 for p in self.products if p.is_low),
            expiring=sum(len(p.expiring) for p in self.products),
            out_of_date=sum(len(p.out_of_date) for p in self.products),
        )


def list_stock(clinic: Clinic, now: datetime | None = None) -> Stock:
    """Every product of the clinic's catalogue with its stock on the clinic's calendar day."""
    today = local_date(now or utcnow(), clinic.timezone)
    products = catalogue.list_products(clinic)  # loaded first, so lot.product needs no query
    lots = db.session.scalars(
        select(SupplyLot).where(
            SupplyLot.clinic_id == clinic.id, SupplyLot.status == LotStatus.AVAILABLE
        )
    )
    used = _units_used(clinic)
    shelf: dict[int, list[LotStock]] = defaultdict(list)
    for lot in lots:
        entry = _lot_stock(lot, used.get(lot.id, 0), today, clinic.timezone)
        if entry.units > 0:
            shelf[lot.product_id].append(entry)
    return Stock(today, [_product_stock(product, shelf[product.id]) for product in products])


def stock_flags(clinic: Clinic, now: datetime | None = None) -> StockFlags:
    """The counts Today and the dashboard show, with a link to the stock view."""
    return list_stock(clinic, now).flags


def _units_used(clinic: Clinic) -> dict[int, int]:
    """Units taken from each available lot, by the chair's scans (a voided session's too)."""
    rows = db.session.execute(
        select(SupplyUse.lot_id, func.sum(SupplyUse.quantity))
        .join(SupplyLot, SupplyUse.lot_id == SupplyLot.id)
        .where(SupplyLot.clinic_id == clinic.id, SupplyLot.status == LotStatus.AVAILABLE)
        .group_by(SupplyUse.lot_id)
    )
    return {lot_id: int(total or 0) for lot_id, total in rows}


def _lot_stock(lot: SupplyLot, used: int, today: date, zone: str) -> LotStock:
    units = lot.quantity_received
    if lot.product.kind is ProductKind.NEEDLE_CARTRIDGE:
        units = max(0, units - used)
    dates = [d for d in (lot.expiry_date, lot.sterility_expiry) if d is not None]
    return LotStock(
        lot=lot,
        units=units,
        expires_on=min(dates, default=None),
        opened_on=local_date(lot.opened_at, zone) if lot.opened_at else None,
        opened_until=period_after_opening_ends(lot),
        today=today,
    )


def _product_stock(product: Product, entries: list[LotStock]) -> ProductStock:
    entries.sort(key=lambda e: (e.use_by is None, e.use_by or e.today, e.lot.lot_number))
    return ProductStock(
        product=product,
        lots=[e for e in entries if not e.is_out_of_date],
        out_of_date=[e for e in entries if e.is_out_of_date],
    )
