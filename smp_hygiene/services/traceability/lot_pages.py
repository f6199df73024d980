"""A page of the sessions some lots reached, fast for a lot in ten sessions or in a hundred
thousand: plain rows (no ORM objects), no count of every match, and the database starts where the
page is cheapest to find.

- A small lot (few uses) starts from the lot's uses through their index, then sorts those few.
- A big lot, shown newest (or oldest) first, walks the clinic's sessions in date order through
  their index and keeps those that used it: as the lot is in many of them, a page is found after
  a few hundred sessions, instead of sorting every one that used it.
- A later page in date order continues after the last session of the page before (`after`, a
  keyset), through the same index: page 50 costs what page 1 does, where an offset would walk
  (or sort) the 49 pages before it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, tuple_, union

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Clinic,
    Product,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
)
from smp_hygiene.services.listing import Page, page_args
from smp_hygiene.services.traceability.trace_rows import LOT_COLUMNS

# Below this many uses a lot's sessions are sorted outright; above it a lot is in so many of the
# clinic's sessions that walking them in date order finds a page sooner (measured in bench/).
SMALL_LOT_USES = 2_000
DATE_SORTS = ("date",)


def lots_reached(lot_ids: Select) -> tuple[list[int], int | None]:
    """The ids of the lots searched for, and the newest session (by id) that used any of them,
    as the supply or as its diluent: one query, each lot's newest session read from the end of
    its (lot, session) index. The pages' queries then name the lots by their ids, which the
    planner can estimate (PostgreSQL misjudged a lot's size behind a subquery)."""
    newest = [
        select(func.max(SupplyUse.session_id)).where(column == SupplyLot.id).scalar_subquery()
        for column in (SupplyUse.lot_id, SupplyUse.diluent_lot_id)
    ]
    rows = db.session.execute(select(SupplyLot.id, *newest).where(SupplyLot.id.in_(lot_ids)))
    ids, last = [], None
    for lot_id, *sessions in rows:
        ids.append(lot_id)
        last = max([last or 0, *(s for s in sessions if s is not None)]) or None
    return ids, last


def _is_small(lot_ids: list[int]) -> bool:
    # Session ids, not use ids: the count is read from the (lot, session) indexes alone.
    capped = [
        select(func.count()).select_from(
            select(SupplyUse.session_id)
            .where(column.in_(lot_ids))
            .limit(SMALL_LOT_USES + 1)
            .subquery()
        )
        for column in (SupplyUse.lot_id, SupplyUse.diluent_lot_id)
    ]
    plain, diluted = db.session.execute(
        select(capped[0].scalar_subquery(), capped[1].scalar_subquery())
    ).one()
    return plain + diluted <= SMALL_LOT_USES


def _from_the_lots(query: Select, lot_ids: list[int]) -> Select:
    used = union(
        select(SupplyUse.session_id.label("session_id")).where(SupplyUse.lot_id.in_(lot_ids)),
        select(SupplyUse.session_id).where(SupplyUse.diluent_lot_id.in_(lot_ids)),
    ).subquery()
    return query.join(used, used.c.session_id == TreatmentSession.id)


def _walking_sessions(query: Select, lot_ids: list[int], newest: int) -> Select:
    used = exists().where(
        SupplyUse.session_id == TreatmentSession.id,
        or_(SupplyUse.lot_id.in_(lot_ids), SupplyUse.diluent_lot_id.in_(lot_ids)),
    )
    # No session after the lots' newest one used them: the walk skips what came since (a lot
    # recalled a year after its last use) by id alone, in the date index, without a probe each.
    return query.where(TreatmentSession.id <= newest, used)


def _after(query: Select, clinic: Clinic, after: int, descending: bool) -> Select:
    """Only the sessions that come after session `after` in date order (the same clinic's:
    another clinic's id finds no start, so no rows)."""
    started = (
        select(TreatmentSession.started_at)
        .where(TreatmentSession.id == after, TreatmentSession.clinic_id == clinic.id)
        .scalar_subquery()
    )
    key, last = tuple_(TreatmentSession.started_at, TreatmentSession.id), tuple_(started, after)
    return query.where(key < last if descending else key > last)


def session_page(
    clinic: Clinic,
    lots: tuple[list[int], int | None],
    sessions: Select,
    *,
    sort: str,
    descending: bool,
    page: int,
    per_page: int | None,
    after: int | None = None,
) -> Page:
    """`sessions` (`trace_rows.session_rows`, sorted and filtered) narrowed to those that used
    the lots (`lots_reached`), one page of them with their lots, counted by nobody; in date
    order a page may start `after` a session."""
    lot_ids, newest = lots
    if newest is None:  # no lot, or no session used one
        args = page_args(page, per_page)
        return Page([], args["page"], args["per_page"], has_next=False)
    sessions = sessions.where(TreatmentSession.clinic_id == clinic.id)
    by_date = sort in DATE_SORTS
    keyset = after if by_date and per_page is not None else None
    if keyset is not None:
        sessions = _after(sessions, clinic, keyset, descending)
    if by_date and not _is_small(lot_ids):
        matched = _walking_sessions(sessions, lot_ids, newest)
    else:
        matched = _from_the_lots(sessions, lot_ids)
    found = _page_with_lots(matched, lot_ids, (sort, descending), page, per_page, keyset)
    if by_date and found.has_next:
        found.after = found.items[-1][0].id
    return found


# Where a page's order is found among its own columns, to keep it when its lots are joined.
PAGE_COLUMNS = {"date": "started_at", "client": "full_name", "technician": "technician_email"}


def _page_with_lots(
    matched: Select,
    lot_ids: list[int],
    order: tuple[str, bool],
    page: int,
    per_page: int | None,
    keyset: int | None,
) -> Page:
    """One page of `matched` (one row more, to say if another follows; no offset after a
    keyset), each session with the rows of the lots it used among `lot_ids`: one query."""
    args = page_args(page, per_page)
    size, number = args["per_page"], args["page"]
    offset = 0 if keyset is not None else (number - 1) * size
    rows = matched.limit(size + 1).offset(offset).subquery("page")
    sort, descending = order
    key, tiebreak = rows.c[PAGE_COLUMNS.get(sort, "id")], rows.c.id
    used = or_(SupplyUse.lot_id.in_(lot_ids), SupplyUse.diluent_lot_id.in_(lot_ids))
    lot = or_(SupplyLot.id == SupplyUse.lot_id, SupplyLot.id == SupplyUse.diluent_lot_id)
    query = (
        select(rows, SupplyUse.diluent_lot_id.label("diluent_lot_id"), *LOT_COLUMNS)
        .outerjoin(SupplyUse, and_(SupplyUse.session_id == rows.c.id, used))
        .outerjoin(SupplyLot, and_(lot, SupplyLot.id.in_(lot_ids)))
        .outerjoin(Product, Product.id == SupplyLot.product_id)
        .order_by(*(c.desc() if descending else c.asc() for c in (key, tiebreak)), SupplyLot.id)
    )
    sessions: dict[int, tuple[Any, list[Any]]] = {}
    for row in db.session.execute(query):
        sessions.setdefault(row.id, (row, []))[1].append(row)
    items = list(sessions.values())
    return Page(items[:size], number, size, has_next=len(items) > size)
