"""Traceability: which sessions, and so which clients, a lot reached (also as a diluent).

Every list is a fixed number of queries, whatever the page size and however many sessions a lot
reached: no count of every match; rows come with their client and technician joined in, and the
lots of a page in one more query.
The audit views search one clinic; the CLI (`trace-lot`, `lots`) looks across every clinic.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.orm import aliased, contains_eager, joinedload

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import Client, Clinic, Product, SupplyLot, SupplyUse, TreatmentSession, User
from smp_hygiene.services.listing import Page, ordering, within_period
from smp_hygiene.services.lots.identity import normalise_lot
from smp_hygiene.services.traceability import lot_pages

SESSION_SORTS = {
    "date": TreatmentSession.started_at,
    "client": Client.full_name,
    "technician": User.email,
    "session": TreatmentSession.id,
}


@dataclass(frozen=True)
class LotUse:
    lot: SupplyLot
    as_diluent: bool = False

    @property
    def label(self) -> str:
        text = f"{self.lot.product.title} lot {self.lot.lot_number}"
        return f"{text} (diluent)" if self.as_diluent else text


@dataclass(frozen=True)
class SessionLots:
    """A session that used one of the lots searched for, and which of them it used."""

    session: TreatmentSession
    lots: list[LotUse] = field(default_factory=list)


@dataclass(frozen=True)
class LotSearch:
    lot_number: str = ""
    gtin: str = ""
    product_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def lots_matching(clinic: Clinic, search: LotSearch) -> Select:
    """The ids of the clinic's lots named by a lot number, a GTIN or a product, or a mix."""
    if not (search.lot_number.strip() or search.gtin.strip() or search.product_id):
        raise InvalidInput("Give a lot number, a GTIN or a product to search for.")
    query = select(SupplyLot.id).where(SupplyLot.clinic_id == clinic.id)
    if search.lot_number.strip():
        query = query.where(SupplyLot.lot_key == normalise_lot(search.lot_number))
    if search.gtin.strip():
        gtin = re.sub(r"\D", "", search.gtin)
        if not 8 <= len(gtin) <= 14:
            raise InvalidInput(f"{search.gtin!r} is not a GTIN: it needs 8 to 14 digits.")
        query = query.join(Product).where(Product.gtin == gtin.zfill(14))
    if search.product_id:
        query = query.where(SupplyLot.product_id == search.product_id)
    return query


def sessions_using_lots(
    clinic: Clinic,
    lot_ids: Select,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    per_page: int | None = 50,
) -> Page:
    """Every session that used one of `lot_ids`, as the supply itself or as its diluent; pages
    say whether another follows instead of counting every session (see lot_pages)."""
    query = _with_people().order_by(
        *ordering(SESSION_SORTS, sort, descending, _tiebreak(descending))
    )
    query = within_period(query, TreatmentSession.started_at, date_from, date_to)
    found = lot_pages.session_page(clinic, lot_ids, query, sort=sort, page=page, per_page=per_page)
    found.items = with_lots(found.items, lot_ids)
    return found


def _with_people() -> Select:
    """Sessions with their client and technician joined in (lot_pages adds which sessions)."""
    return (
        select(TreatmentSession)
        .join(TreatmentSession.client)
        .join(TreatmentSession.technician)
        .options(
            contains_eager(TreatmentSession.client), contains_eager(TreatmentSession.technician)
        )
    )


def sessions_query(clinic: Clinic, lot_ids: Select) -> Select:
    """The clinic's sessions that used one of `lot_ids` (also as a diluent), unordered, with
    their client and technician: the API's keyset pages read it by id."""
    used = select(SupplyUse.session_id).where(SupplyUse.lot_id.in_(lot_ids))
    diluted = select(SupplyUse.session_id).where(SupplyUse.diluent_lot_id.in_(lot_ids))
    return (
        _with_people()
        .where(TreatmentSession.clinic_id == clinic.id)
        .where(or_(TreatmentSession.id.in_(used), TreatmentSession.id.in_(diluted)))
    )


def with_lots(sessions: Sequence[TreatmentSession], lot_ids: Select) -> list[SessionLots]:
    """Each of a page of sessions with which of `lot_ids` it used, in one more query."""
    lots = lots_of_sessions([s.id for s in sessions], lot_ids)
    return [SessionLots(s, lots.get(s.id, [])) for s in sessions]


def _tiebreak(descending: bool) -> Any:
    # The same direction as the date, so a walk down the clinic's date index keeps its order.
    return TreatmentSession.id.desc() if descending else TreatmentSession.id.asc()


def trace_lot(clinic: Clinic, search: LotSearch, **listing: Any) -> Page:
    """Sessions and clients reached by the lots a search names, within its period."""
    return sessions_using_lots(
        clinic,
        lots_matching(clinic, search),
        date_from=search.date_from,
        date_to=search.date_to,
        **listing,
    )


def lots_of_sessions(session_ids: Sequence[int], lot_ids: Select) -> dict[int, list[LotUse]]:
    """For a page of sessions, which of `lot_ids` each one used: one query for the page."""
    if not session_ids:
        return {}
    lot = aliased(SupplyLot)
    rows = db.session.execute(
        select(SupplyUse.session_id, SupplyUse.diluent_lot_id, lot)
        .join(lot, or_(lot.id == SupplyUse.lot_id, lot.id == SupplyUse.diluent_lot_id))
        .options(joinedload(lot.product))
        .where(SupplyUse.session_id.in_(session_ids), lot.id.in_(lot_ids))
        .order_by(SupplyUse.session_id, lot.id)
    ).all()
    found: dict[int, list[LotUse]] = defaultdict(list)
    for session_id, diluent_lot_id, row_lot in rows:
        use = LotUse(row_lot, as_diluent=row_lot.id == diluent_lot_id)
        if use not in found[session_id]:
            found[session_id].append(use)
    return found


def list_products(clinic: Clinic) -> list[Product]:
    """The clinic's catalogue, for search and recall forms."""
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.clinic_id == clinic.id)
            .order_by(Product.manufacturer, Product.name)
        )
    )


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
    found = sessions_using_lots(clinic, only_this, descending=False, per_page=None)
    return [row.session for row in found.items]


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
