"""Traceability across every clinic, for the CLI (`trace-lot`, `lots`): each lot of a number
with every session that used it, and every lot with how many sessions used it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import joinedload

from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, Product, SupplyLot, SupplyUse, TreatmentSession
from smp_hygiene.services.listing import MAX_ROWS
from smp_hygiene.services.lots.identity import normalise_lot
from smp_hygiene.services.traceability.lots import sessions_query


@dataclass(frozen=True)
class LotTrace:
    lot: SupplyLot
    sessions: list[TreatmentSession]


def trace_lot_number(
    lot_number: str, gtin: str | None = None, clinic_id: int | None = None
) -> list[LotTrace]:
    """Every lot matching the (normalised) number, in one clinic or all, with every session that
    used it, oldest first: also as the diluent of a pigment dose. Voided sessions are included:
    the client was still treated."""
    query = select(SupplyLot).join(Product).where(SupplyLot.lot_key == normalise_lot(lot_number))
    if gtin:
        query = query.where(Product.gtin == gtin)
    if clinic_id is not None:
        query = query.where(SupplyLot.clinic_id == clinic_id)
    lots = db.session.scalars(query.options(joinedload(SupplyLot.product))).all()
    return [LotTrace(lot, _sessions_of(lot)) for lot in lots]


def _sessions_of(lot: SupplyLot) -> list[TreatmentSession]:
    only_this = select(SupplyLot.id).where(SupplyLot.id == lot.id)
    clinic = db.session.get_one(Clinic, lot.clinic_id)  # a lot always belongs to a clinic
    query = sessions_query(clinic, only_this).order_by(
        TreatmentSession.started_at, TreatmentSession.id
    )
    return list(db.session.scalars(query.limit(MAX_ROWS)))


@dataclass(frozen=True)
class LotSummary:
    lot: SupplyLot
    session_count: int


def lot_summaries(clinic_id: int | None = None) -> list[LotSummary]:
    """Every lot, in one clinic or all, with how many sessions used it, in one query."""
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
    query = (
        select(SupplyLot, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.lot_id == SupplyLot.id)
        .options(joinedload(SupplyLot.product))
        .order_by(SupplyLot.id)
    )
    if clinic_id is not None:
        query = query.where(SupplyLot.clinic_id == clinic_id)
    return [LotSummary(lot, count) for lot, count in db.session.execute(query).all()]
