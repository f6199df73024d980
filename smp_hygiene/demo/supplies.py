"""The demo clinic's catalogue, and the lots it received by scanning real GS1 labels."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from smp_hygiene.models import Clinic, Product, ProductKind, SupplyLot, User
from smp_hygiene.services.barcodes.gs1 import GS
from smp_hygiene.services.supplies import catalogue, receiving
from smp_hygiene.timeutil import local_date, utcnow

LABEL = receiving.PigmentLabel(
    has_tattoo_use_statement=True,
    ingredients="Aqua, Glycerin, CI 77266 (Carbon black), Hamamelis virginiana extract, "
    "Isopropyl alcohol",
    warnings="Contains no nickel above 1 ppm. Keep out of reach of children.",
)
# (kind, manufacturer, name, gtin, colour, period after opening, configuration)
PRODUCTS = (
    (
        ProductKind.PIGMENT,
        "Nordlys Pigments AB",
        "SMP Neutral Black",
        "07350053850019",
        "Neutral black",
        12,
        "",
    ),
    (
        ProductKind.PIGMENT,
        "Nordlys Pigments AB",
        "SMP Dark Ash",
        "07350053850026",
        "Dark ash",
        12,
        "",
    ),
    (
        ProductKind.PIGMENT,
        "Micropigment Labs GmbH",
        "Brow Taupe 4",
        "04260123450014",
        "Taupe",
        6,
        "",
    ),
    (
        ProductKind.NEEDLE_CARTRIDGE,
        "Precision Cartridge Co.",
        "Nano 1RL 0.18 mm",
        "00850012345008",
        "",
        None,
        "1RL 0.18 mm",
    ),
    (
        ProductKind.NEEDLE_CARTRIDGE,
        "Precision Cartridge Co.",
        "3RL 0.25 mm",
        "00850012345015",
        "",
        None,
        "3RL 0.25 mm",
    ),
    (
        ProductKind.OTHER,
        "Aqua Pura Medical",
        "Sterile water for dilution 10 ml",
        "05012345000015",
        "",
        None,
        "",
    ),
)

# Nano 1RL and 3RL: 20 of each received, 12 used by the demo sessions, so 8 of each are left.
LOW_STOCK_LEVELS = (5, 10)


def load(clinic: Clinic, admin: User) -> tuple[list[Product], dict[str, SupplyLot]]:
    """Add the catalogue, then receive its lots (one later recalled, one expired, one expiring
    soon)."""
    products = [
        catalogue.add_product(
            clinic,
            admin,
            kind=k,
            manufacturer=m,
            name=n,
            gtin=g,
            colour=c,
            period_after_opening_months=p,
            configuration=cf,
        )
        for k, m, n, g, c, p, cf in PRODUCTS
    ]
    # The chair uses 3RL cartridges faster than the admin reorders: the stock view flags them.
    for product, level in zip(products[3:5], LOW_STOCK_LEVELS, strict=True):
        catalogue.set_low_stock_level(product, level, admin)
    return products, _receive_lots(clinic, admin, products)


def gs1_scan(gtin: str, expiry: date, lot: str, serial: str | None = None) -> str:
    """Raw scanner text, as a GS1 DataMatrix reader sends it."""
    text = f"]d201{gtin}17{expiry:%y%m%d}10{lot}"
    return text + (f"{GS}21{serial}" if serial else "")


def _receive_lots(clinic: Clinic, admin: User, products) -> dict[str, SupplyLot]:
    black, ash, taupe, nano, rl3, water = products
    plan = {
        "black": (black, "NB24-0913", date(2028, 3, 31)),
        "black_recalled": (black, "NB24-0577", date(2027, 12, 31)),
        "ash": (ash, "DA24-1102", date(2028, 6, 30)),
        "taupe_expired": (taupe, "23B0412", date(2026, 10, 31)),
        "nano": (nano, "PC2405-118", date(2029, 4, 30)),
        "rl3": (rl3, "PC2407-031", date(2029, 6, 30)),
        "water": (water, "AQ-5521", date(2027, 9, 30)),
        # Still on the shelf, but the stock view and the dashboard say it expires soon.
        "water_soon": (
            water,
            "AQ-5390",
            local_date(utcnow(), clinic.timezone) + timedelta(days=12),
        ),
    }
    return {
        key: receiving.receive_lot(
            clinic,
            gs1_scan(p.gtin, expiry, lot),
            admin,
            quantity=20,
            label=LABEL,
            now=_received_at(expiry),
        )
        for key, (p, lot, expiry) in plan.items()
    }


def _received_at(expiry: date) -> datetime:
    """Today, or for the lot that has expired since, a day when it was still in date: expired
    stock is refused at receiving."""
    now = utcnow()
    if expiry >= now.date():
        return now
    return datetime.combine(expiry - timedelta(days=180), time(9), tzinfo=UTC)
