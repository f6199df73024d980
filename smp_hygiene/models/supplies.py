"""The catalogue and the lots received against it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.enums import LotStatus, ProductKind, SterilisationMethod
from smp_hygiene.models.people import Clinic, User
from smp_hygiene.timeutil import utcnow


class Product(Model):
    """A catalogue entry; barcodes find it by GTIN or by HIBC labeler + product code."""

    __table_args__ = (
        UniqueConstraint("clinic_id", "product_key"),
        UniqueConstraint("clinic_id", "hibc_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    kind: Mapped[ProductKind] = mapped_column(enum_type(ProductKind))
    manufacturer: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    gtin: Mapped[str | None] = mapped_column(String(14))
    # HIBC labeler code + product code ("A123BJC5D6E7"): how an HIBC label names this product.
    hibc_code: Mapped[str | None] = mapped_column(String(22))
    # gtin, or "HIBC:<LIC><PCN>": what a scan is matched on.
    product_key: Mapped[str | None] = mapped_column(String(40))
    colour: Mapped[str] = mapped_column(String(100), default="")
    period_after_opening_months: Mapped[int | None]
    configuration: Mapped[str] = mapped_column(String(100), default="")  # e.g. "1RL 0.25 mm"
    # Set by an admin: a retail code (EAN/UPC) names the product but no lot; only then may the
    # chair take the lot typed from the packaging, and the use says it was entered by hand.
    allows_manual_lot: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set once any barcode of this single-use product carried a serial: from then on every unit
    # must be scanned with its serial, or the one-session-per-unit rule could be dodged.
    is_serialised: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set by an admin: the stock view flags the product when fewer units than this are left
    # (cartridges, bottles or packs); None means no alert.
    low_stock_level: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clinic: Mapped[Clinic] = relationship()

    @property
    def title(self) -> str:
        return f"{self.manufacturer} {self.name}"


class SupplyLot(Model):
    """One lot or batch of a product as received: what a recall is aimed at."""

    __table_args__ = (
        # Lots that normalise alike ("D-199", "d 199") are one lot of that product.
        UniqueConstraint("product_id", "lot_key"),
        Index("ix_supply_lot_lot_key", "lot_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    lot_number: Mapped[str] = mapped_column(String(20))
    # Batch strings are messy ("Lot-Nr. D 199"); recalls match on this normalised form (R6).
    lot_key: Mapped[str] = mapped_column(String(40))
    expiry_date: Mapped[date | None]
    status: Mapped[LotStatus] = mapped_column(enum_type(LotStatus), default=LotStatus.AVAILABLE)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_reference: Mapped[str] = mapped_column(String(100), default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    quantity_received: Mapped[int] = mapped_column(default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    raw_barcode: Mapped[str] = mapped_column(Text, default="")
    label_code: Mapped[str] = mapped_column(String(64), unique=True)  # our own QR label
    # Pigment bottles
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    has_tattoo_use_statement: Mapped[bool] = mapped_column(default=False)
    ingredients: Mapped[str] = mapped_column(Text, default="")
    label_warnings: Mapped[str] = mapped_column(Text, default="")  # pH, Ni/Cr(VI), safety notes
    # Presterilised needles
    sterility_expiry: Mapped[date | None]
    sterilisation_method: Mapped[SterilisationMethod | None] = mapped_column(
        enum_type(SterilisationMethod)
    )

    product: Mapped[Product] = relationship()
    received_by: Mapped[User] = relationship()

    @property
    def is_pigment(self) -> bool:
        return self.product.kind is ProductKind.PIGMENT

    @property
    def is_needle(self) -> bool:
        return self.product.kind is ProductKind.NEEDLE_CARTRIDGE
