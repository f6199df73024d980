"""Traceability: which sessions, and so which clients, a lot reached (also as a diluent).

Every list is a fixed number of queries, whatever the page size and however many sessions a lot
reached: no count of every match; the auditor's pages are plain rows with the client, the
technician and the lots each session used joined in (lot_pages); other lists of sessions get
their lots in one more query (lots_of_sessions).
The audit views search one clinic; the CLI (`trace-lot`, `lots`) looks across every clinic
(across_clinics).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import contains_eager

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    Clinic,
    Product,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
    User,
)
from smp_hygiene.services.listing import Page, ordering, within_period
from smp_hygiene.services.lots.identity import normalise_lot
from smp_hygiene.services.traceability import lot_pages, trace_rows
from smp_hygiene.services.traceability.trace_rows import LotUse

SESSION_SORTS = {
    "date": TreatmentSession.started_at,
    "client": Client.full_name,
    "technician": User.email,
    "session": TreatmentSession.id,
}


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
    after: int | None = None,
) -> Page:
    """Every session that used one of `lot_ids`, as the supply itself or as its diluent; pages
    say whether another follows instead of counting every session, and in date order the next
    page starts `after` the last session shown (see lot_pages)."""
    query = trace_rows.session_rows().order_by(
        *ordering(SESSION_SORTS, sort, descending, _tiebreak(descending))
    )
    query = within_period(query, TreatmentSession.started_at, date_from, date_to)
    lots = lot_pages.lots_reached(lot_ids)
    found = lot_pages.session_page(
        clinic,
        lots,
        query,
        sort=sort,
        descending=descending,
        page=page,
        per_page=per_page,
        after=after,
    )
    found.items = [trace_rows.traced(row, lot_rows) for row, lot_rows in found.items]
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


def lots_of_sessions(
    session_ids: Sequence[int], lot_ids: Select | Sequence[int]
) -> dict[int, list[LotUse]]:
    """For a page of sessions, which of `lot_ids` (a query or the ids) each one used: one query
    for the page."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(
            SupplyUse.session_id,
            SupplyUse.diluent_lot_id,
            SupplyLot.id,
            SupplyLot.lot_number,
            SupplyLot.status,
            Product.manufacturer,
            Product.name,
        )
        .join(
            SupplyLot,
            or_(SupplyLot.id == SupplyUse.lot_id, SupplyLot.id == SupplyUse.diluent_lot_id),
        )
        .join(Product, Product.id == SupplyLot.product_id)
        # One expanding parameter for the page's ids: as literals, 50 of them cost more to
        # build than the query takes to run.
        .where(SupplyUse.session_id.in_(bindparam("session_ids", expanding=True)))
        .where(SupplyLot.id.in_(lot_ids))
        .order_by(SupplyUse.session_id, SupplyLot.id),
        {"session_ids": list(session_ids)},
    )
    found: dict[int, list[LotUse]] = defaultdict(list)
    for session_id, diluent_id, lot_id, number, status, manufacturer, name in rows:
        title = f"{manufacturer} {name}"  # as Product.title
        use = LotUse(lot_id, title, number, status, as_diluent=lot_id == diluent_id)
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
