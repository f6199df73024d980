"""Traceability: which sessions and clients a lot reached, and what a client received.

Every list is one count query plus a fixed number of page queries, whatever the page size:
rows come with their client and technician joined in, and the lots of a page in one more query.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    ChecklistAnswer,
    ChecklistItem,
    Client,
    Clinic,
    PatchTest,
    Product,
    Refusal,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
    User,
)
from smp_hygiene.services.pages import Page, ordering, paginate
from smp_hygiene.services.supplies import normalise_lot

SESSION_SORTS = {
    "date": TreatmentSession.started_at,
    "client": Client.full_name,
    "technician": User.email,
    "session": TreatmentSession.id,
}
CLIENT_SUPPLY_SORTS = {
    "date": SupplyUse.used_at,
    "product": Product.name,
    "lot": SupplyLot.lot_number,
}
CLIENT_SORTS = {"name": Client.full_name, "created": Client.created_at}


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


def _day_range(query: Select, column: Any, date_from: date | None, date_to: date | None):
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("The start of the period is after its end.")
    if date_from:
        query = query.where(column >= datetime.combine(date_from, time.min, UTC))
    if date_to:
        query = query.where(column < datetime.combine(date_to + timedelta(days=1), time.min, UTC))
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
) -> Page[SessionLots]:
    """Every session that used one of `lot_ids`, as the supply itself or as its diluent."""
    used = select(SupplyUse.session_id).where(SupplyUse.lot_id.in_(lot_ids))
    diluted = select(SupplyUse.session_id).where(SupplyUse.diluent_lot_id.in_(lot_ids))
    query = (
        select(TreatmentSession)
        .join(TreatmentSession.client)
        .join(TreatmentSession.technician)
        .options(
            contains_eager(TreatmentSession.client), contains_eager(TreatmentSession.technician)
        )
        .where(TreatmentSession.clinic_id == clinic.id)
        .where(or_(TreatmentSession.id.in_(used), TreatmentSession.id.in_(diluted)))
        .order_by(*ordering(SESSION_SORTS, sort, descending, TreatmentSession.id))
    )
    query = _day_range(query, TreatmentSession.started_at, date_from, date_to)
    found = paginate(query, page, per_page)
    lots = lots_of_sessions([s.id for s in found.items], lot_ids)
    rows = [SessionLots(s, lots.get(s.id, [])) for s in found.items]
    return Page(rows, found.total, found.number, found.per_page)


def trace_lot(clinic: Clinic, search: LotSearch, **listing: Any) -> Page[SessionLots]:
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


def search_clients(
    clinic: Clinic, text: str, *, sort: str = "name", page: int = 1, per_page: int | None = 50
) -> Page[Client]:
    """Clients of the clinic whose name, email or phone contains `text`."""
    query = select(Client).where(Client.clinic_id == clinic.id)
    if text.strip():
        like = f"%{text.strip()}%"
        query = query.where(
            or_(Client.full_name.ilike(like), Client.email.ilike(like), Client.phone.ilike(like))
        )
    query = query.order_by(*ordering(CLIENT_SORTS, sort, False, Client.id))
    return paginate(query, page, per_page)


def client_supplies(
    client: Client,
    *,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    per_page: int | None = 50,
) -> Page[SupplyUse]:
    """Every supply ever used on a client, with its session, lot, diluent and patch test."""
    diluent = aliased(SupplyLot)
    query = (
        select(SupplyUse)
        .join(SupplyUse.session)
        .join(SupplyUse.lot)
        .join(SupplyLot.product)
        .options(
            contains_eager(SupplyUse.session),
            contains_eager(SupplyUse.lot).contains_eager(SupplyLot.product),
            joinedload(SupplyUse.diluent_lot.of_type(diluent)).joinedload(diluent.product),
            joinedload(SupplyUse.patch_test),
        )
        .where(TreatmentSession.client_id == client.id)
        .order_by(*ordering(CLIENT_SUPPLY_SORTS, sort, descending, SupplyUse.id))
    )
    return paginate(query, page, per_page)


def client_sessions(client: Client) -> list[TreatmentSession]:
    """A client's sessions, oldest first, with their technician."""
    return list(
        db.session.scalars(
            select(TreatmentSession)
            .options(joinedload(TreatmentSession.technician))
            .where(TreatmentSession.client_id == client.id)
            .order_by(TreatmentSession.started_at, TreatmentSession.id)
        )
    )


def client_patch_tests(client: Client) -> list[PatchTest]:
    """A client's patch tests, newest first, with the products tested."""
    return list(
        db.session.scalars(
            select(PatchTest)
            .options(selectinload(PatchTest.products), joinedload(PatchTest.read_by))
            .where(PatchTest.client_id == client.id)
            .order_by(PatchTest.applied_at.desc(), PatchTest.id)
        )
    )


def list_products(clinic: Clinic) -> list[Product]:
    """The clinic's catalogue, for search and recall forms."""
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.clinic_id == clinic.id)
            .order_by(Product.manufacturer, Product.name)
        )
    )


def list_staff(clinic: Clinic) -> list[User]:
    """Everyone who signs in at the clinic, for the by-technician search."""
    return list(
        db.session.scalars(select(User).where(User.clinic_id == clinic.id).order_by(User.email))
    )


@dataclass(frozen=True)
class TechnicianSession:
    """A technician's session with how much of the hygiene checklist was ticked."""

    session: TreatmentSession
    answered: int
    expected: int

    @property
    def completion(self) -> int:
        """Percent of the clinic's active checklist items ticked in this session."""
        if not self.expected:
            return 100
        return min(100, round(100 * self.answered / self.expected))


def technician_sessions(
    clinic: Clinic,
    technician: User,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    per_page: int | None = 50,
) -> Page[TechnicianSession]:
    """A technician's sessions over a period, each with its checklist completion."""
    answered = (
        select(func.count(ChecklistAnswer.id))
        .where(ChecklistAnswer.session_id == TreatmentSession.id)
        .correlate(TreatmentSession)
        .scalar_subquery()
        .label("answered")
    )
    sorts = {**SESSION_SORTS, "completion": answered}
    query = (
        select(TreatmentSession, answered)
        .join(TreatmentSession.client)
        .join(TreatmentSession.technician)
        .options(
            contains_eager(TreatmentSession.client), contains_eager(TreatmentSession.technician)
        )
        .where(TreatmentSession.clinic_id == clinic.id)
        .where(TreatmentSession.technician_id == technician.id)
        .order_by(*ordering(sorts, sort, descending, TreatmentSession.id))
    )
    found = paginate(
        _day_range(query, TreatmentSession.started_at, date_from, date_to),
        page,
        per_page,
        scalars=False,
    )
    expected = db.session.scalar(
        select(func.count(ChecklistItem.id)).where(
            ChecklistItem.clinic_id == clinic.id, ChecklistItem.is_active.is_(True)
        )
    )
    rows = [TechnicianSession(s, count, expected or 0) for s, count in found.items]
    return Page(rows, found.total, found.number, found.per_page)


REFUSAL_SORTS = {"date": Refusal.at, "reason": Refusal.reason}


def technician_refusals(
    clinic: Clinic,
    technician: User,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    per_page: int | None = 50,
) -> Page[Refusal]:
    """What the rules refused to a technician at the chair over a period."""
    query = (
        select(Refusal)
        .where(Refusal.clinic_id == clinic.id, Refusal.user_id == technician.id)
        .order_by(*ordering(REFUSAL_SORTS, sort, descending, Refusal.id))
    )
    return paginate(_day_range(query, Refusal.at, date_from, date_to), page, per_page)
