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

from sqlalchemy import Select, exists, func, or_, select, tuple_, union

from smp_hygiene.extensions import db
from smp_hygiene.models import Client, Clinic, SupplyUse, TreatmentSession, User
from smp_hygiene.services.listing import Page, page_args

# Below this many uses a lot's sessions are sorted outright; above it a lot is in so many of the
# clinic's sessions that walking them in date order finds a page sooner (measured in bench/).
SMALL_LOT_USES = 2_000
DATE_SORTS = ("date",)


def session_rows() -> Select:
    """What a trace row shows of a session, its client and its technician, as plain columns."""
    return (
        select(
            TreatmentSession.id,
            TreatmentSession.started_at,
            TreatmentSession.status,
            TreatmentSession.client_id,
            Client.full_name,
            Client.phone,
            Client.email,
            Client.address,
            User.display_name,
            User.email.label("technician_email"),
            User.licence_number,
            User.licence_issuer,
        )
        .join(Client, Client.id == TreatmentSession.client_id)
        .join(User, User.id == TreatmentSession.technician_id)
    )


def _is_small(lot_ids: Select) -> bool:
    capped = [
        select(func.count()).select_from(
            select(SupplyUse.id).where(column.in_(lot_ids)).limit(SMALL_LOT_USES + 1).subquery()
        )
        for column in (SupplyUse.lot_id, SupplyUse.diluent_lot_id)
    ]
    plain, diluted = db.session.execute(
        select(capped[0].scalar_subquery(), capped[1].scalar_subquery())
    ).one()
    return plain + diluted <= SMALL_LOT_USES


def _from_the_lots(query: Select, lot_ids: Select) -> Select:
    used = union(
        select(SupplyUse.session_id.label("session_id")).where(SupplyUse.lot_id.in_(lot_ids)),
        select(SupplyUse.session_id).where(SupplyUse.diluent_lot_id.in_(lot_ids)),
    ).subquery()
    return query.join(used, used.c.session_id == TreatmentSession.id)


def _walking_sessions(query: Select, lot_ids: Select) -> Select:
    used = exists().where(
        SupplyUse.session_id == TreatmentSession.id,
        or_(SupplyUse.lot_id.in_(lot_ids), SupplyUse.diluent_lot_id.in_(lot_ids)),
    )
    return query.where(used)


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
    lot_ids: Select,
    sessions: Select,
    *,
    sort: str,
    descending: bool,
    page: int,
    per_page: int | None,
    after: int | None = None,
) -> Page:
    """`sessions` (`session_rows`, sorted and filtered) narrowed to those that used `lot_ids`,
    one page of them, counted by nobody; in date order a page may start `after` a session."""
    sessions = sessions.where(TreatmentSession.clinic_id == clinic.id)
    by_date = sort in DATE_SORTS
    keyset = after if by_date and per_page is not None else None
    if keyset is not None:
        sessions = _after(sessions, clinic, keyset, descending)
    if by_date and not _is_small(lot_ids):
        found = _rows_page(_walking_sessions(sessions, lot_ids), page, per_page, keyset)
    else:
        found = _rows_page(_from_the_lots(sessions, lot_ids), page, per_page, keyset)
    if by_date and found.has_next:
        found.after = found.items[-1].id
    return found


def _rows_page(query: Select, page: int, per_page: int | None, keyset: int | None) -> Page:
    """One page of plain rows and whether another follows; a keyset page needs no offset."""
    args = page_args(page, per_page)
    size, number = args["per_page"], args["page"]
    offset = 0 if keyset is not None else (number - 1) * size
    rows: list[Any] = list(db.session.execute(query.limit(size + 1).offset(offset)))
    return Page(rows[:size], number, size, has_next=len(rows) > size)
