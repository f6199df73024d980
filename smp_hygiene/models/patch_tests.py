"""Patch tests that clear a client for the pigments tested."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.extensions import db
from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.enums import PatchTestResult
from smp_hygiene.models.people import Client, User
from smp_hygiene.models.supplies import Product, SupplyLot

patch_test_product = Table(
    "patch_test_product",
    db.metadata,
    Column("patch_test_id", ForeignKey("patch_test.id"), primary_key=True),
    Column("product_id", ForeignKey("product.id"), primary_key=True, index=True),
)

# The lots tested: what clears a pigment where the clinic tests per lot.
patch_test_lot = Table(
    "patch_test_lot",
    db.metadata,
    Column("patch_test_id", ForeignKey("patch_test.id"), primary_key=True),
    Column("lot_id", ForeignKey("supply_lot.id"), primary_key=True, index=True),
)


class PatchTest(Model):
    """A test applied on a client for one or more pigment products, and its reading."""

    __table_args__ = (Index("ix_patch_test_client_read", "client_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    site: Mapped[str] = mapped_column(Text, default="")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    result: Mapped[PatchTestResult | None] = mapped_column(enum_type(PatchTestResult))
    signs: Mapped[str] = mapped_column(Text, default="")  # itching, redness, papules...

    client: Mapped[Client] = relationship()
    products: Mapped[list[Product]] = relationship(secondary=patch_test_product)
    lots: Mapped[list[SupplyLot]] = relationship(secondary=patch_test_lot)
    applied_by: Mapped[User] = relationship(foreign_keys=[applied_by_id])
    read_by: Mapped[User | None] = relationship(foreign_keys=[read_by_id])
