"""A page of the sessions some lots reached, fast for a lot in ten sessions or in a hundred
thousand: no count of every match, and the database starts where the page is cheapest to find.

- A small lot (few uses) starts from the lot's uses through their index, then sorts those few.
- A big lot, shown newest (or oldest) first, walks the clinic's sessions in date order through
  their index and keeps those that used it: as the lot is in many of them, a page is found after
  a few hundred sessions, instead of sorting every one that used it.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, func, or_, select, union

from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, SupplyUse, TreatmentSession
from smp_hygiene.services.listing import Page, page_of

# Below this many uses a lot's sessions are sorted outright; above it a lot is in so many of the
# clinic's sessions that walking them in date order finds a page sooner (measured in bench/).
SMALL_LOT_USES = 2_000
DATE_SORTS = ("date",)


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


def session_page(
    clinic: Clinic,
    lot_ids: Select,
    sessions: Select,
    *,
    sort: str,
    page: int,
    per_page: int | None,
) -> Page:
    """`sessions` (already sorted, filtered and joined to client and technician) narrowed to
    those that used `lot_ids`, one page of them, counted by nobody."""
    sessions = sessions.where(TreatmentSession.clinic_id == clinic.id)
    if sort in DATE_SORTS and not _is_small(lot_ids):
        return page_of(_walking_sessions(sessions, lot_ids), page, per_page)
    return page_of(_from_the_lots(sessions, lot_ids), page, per_page)
