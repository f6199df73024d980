"""Lot-level look-ups the recall and the CLI need: lot -> sessions, and stock with usage."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import joinedload

from smp_hygiene.extensions import db
from smp_hygiene.models import Product, SupplyLot, SupplyUse, TreatmentSession
from smp_hygiene.services.supplies import normalise_lot


@dataclass(frozen=True)
class LotTrace:
    lot: SupplyLot
    sessions: list[TreatmentSession]


def trace_lot(lot_number: str, gtin: str | None = None) -> list[LotTrace]:
    """Every lot matching the (normalised) number, with every session that used it: also as
    the diluent of a pigment dose. Voided sessions are included: the client was still treated."""
    query = select(SupplyLot).join(Product).where(SupplyLot.lot_key == normalise_lot(lot_number))
    if gtin:
        query = query.where(Product.gtin == gtin)
    lots = db.session.scalars(query.options(joinedload(SupplyLot.product))).all()
    return [LotTrace(lot, sessions_using(lot)) for lot in lots]


def sessions_using(lot: SupplyLot) -> list[TreatmentSession]:
    used = select(SupplyUse.session_id).where(
        or_(SupplyUse.lot_id == lot.id, SupplyUse.diluent_lot_id == lot.id)
    )
    return list(
        db.session.scalars(
            select(TreatmentSession)
            .where(TreatmentSession.id.in_(used))
            .options(joinedload(TreatmentSession.client), joinedload(TreatmentSession.technician))
            .order_by(TreatmentSession.started_at)
        )
    )


@dataclass(frozen=True)
class LotSummary:
    lot: SupplyLot
    session_count: int


def lot_summaries() -> list[LotSummary]:
    """Every lot with how many sessions used it, in one query."""
    # A diluent lot is used too: count it through the doses it diluted.
    uses = union_all(
        select(SupplyUse.lot_id.label("lot_id"), SupplyUse.session_id),
        select(SupplyUse.diluent_lot_id, SupplyUse.session_id).where(
            SupplyUse.diluent_lot_id.is_not(None)
        ),
    ).subquery()
    counts = (
        select(uses.c.lot_id, func.count(func.distinct(uses.c.session_id)).label("n"))
        .group_by(uses.c.lot_id)
        .subquery()
    )
    rows = db.session.execute(
        select(SupplyLot, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.lot_id == SupplyLot.id)
        .options(joinedload(SupplyLot.product))
        .order_by(SupplyLot.id)
    ).all()
    return [LotSummary(lot, count) for lot, count in rows]
