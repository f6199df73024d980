"""What a supplier label says against what the clinic received: expired on arrival, a label
that contradicts its lot, a retail code that names no lot, and serialised single-use products."""

from __future__ import annotations

from datetime import date

from smp_hygiene.errors import LotNotOnBarcode, SerialRequired, UnsafeSupply
from smp_hygiene.models import Product, ProductKind, SupplyLot, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.barcodes.reader import ParsedBarcode


def identifies_lot(scan: ParsedBarcode) -> bool:
    """A scan names a lot: a label with a batch number, or our own lot label. A retail code
    (EAN/UPC/ITF-14) or a bare GTIN names the product only."""
    return scan.lot is not None or scan.symbology == "smph-lot"


def check_not_expired_on_arrival(
    product: Product, lot_number: str, expiry: date | None, today: date
) -> None:
    """Stock already past its expiry on the clinic's calendar day is refused at the door, so it
    never reaches the shelf; it is usable on its expiry day itself, as at the chair."""
    if expiry is not None and expiry < today:
        raise UnsafeSupply(
            f"{product.title} lot {lot_number} expired on {expiry.isoformat()}: expired stock "
            "is not received. Set it aside and return it to the supplier."
        )


def check_label_agrees(lot: SupplyLot, expiry: date | None) -> None:
    """A label naming a received lot with another expiry is mislabelled or counterfeit."""
    if expiry is None or lot.expiry_date is None or expiry == lot.expiry_date:
        return
    raise UnsafeSupply(
        f"This label says {lot.product.title} lot {lot.lot_number} expires on "
        f"{expiry.isoformat()}, but that lot was received with expiry "
        f"{lot.expiry_date.isoformat()}. The item may be mislabelled or counterfeit: "
        "do not use it, set it aside and tell the supplier."
    )


def note_serial(product: Product, scan: ParsedBarcode, user: User) -> None:
    """A single-use product seen with a serial is serialised from then on (receiving or chair)."""
    if not scan.serial or product.is_serialised or product.kind is not ProductKind.NEEDLE_CARTRIDGE:
        return
    before = chain.snapshot(product)
    product.is_serialised = True
    chain.record(user, "product.serialised", product, before=before)


def require_serial(product: Product, scan: ParsedBarcode) -> None:
    """A serialised product's unit is known only by its serial: without it, reuse is invisible."""
    if scan.serial or not product.is_serialised:
        return
    raise SerialRequired(
        f"{product.title} cartridges carry a serial number, and this scan has none. Scan the "
        "barcode on the cartridge's own pack (the one with the serial, GS1 AI 21), not the box "
        "or a lot label: without the serial nobody can tell a new cartridge from a used one."
    )


def hand_lot(product: Product, typed_lot: str | None) -> str:
    """The lot typed for a retail code: refused unless an admin allows it for this product."""
    if not product.allows_manual_lot:
        raise LotNotOnBarcode(
            f"This barcode names {product.title} but not its lot, so the use could not be "
            "traced to a lot. Scan the barcode that carries the lot number, or the lot "
            "label printed at Receiving."
        )
    typed = (typed_lot or "").strip()
    if not typed:
        raise LotNotOnBarcode(
            f"This barcode names {product.title} but not its lot: type the lot number "
            "printed on the packaging. The use is recorded as entered by hand.",
            code="manual_lot",
        )
    return typed
