"""Read side of recalls: who was affected, who was told, and what the patient page says."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    CompoundSelect,
    Select,
    case,
    distinct,
    exists,
    func,
    or_,
    select,
    union,
)
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    ClientNotification,
    Clinic,
    Recall,
    RecallLot,
    SupplyUse,
    TreatmentSession,
)
from smp_hygiene.services.listing import ordering, page_args
from smp_hygiene.services.traceability.lots import SessionLots, lots_of_sessions

RECALL_SORTS = {"opened": Recall.opened_at, "reference": Recall.source_reference}


@dataclass(frozen=True)
class RecallProgress:
    """A recall and how far the clinic got in telling the clients it affects."""

    recall: Recall
    affected: int
    notified: int

    @property
    def remaining(self) -> int:
        return max(0, self.affected - self.notified)

    @property
    def percent(self) -> int:
        return 100 if not self.affected else round(100 * self.notified / self.affected)


@dataclass(frozen=True)
class AffectedClient:
    """A client treated with a recalled lot: their sessions, and the notifications so far."""

    client: Client
    sessions: list[SessionLots] = field(default_factory=list)
    notifications: list[ClientNotification] = field(default_factory=list)

    @property
    def is_notified(self) -> bool:
        return bool(self.notifications)

    @property
    def lot_labels(self) -> list[str]:
        return list(dict.fromkeys(use.label for row in self.sessions for use in row.lots))


def recalled_lot_ids(recall: Recall) -> Select:
    return select(RecallLot.lot_id).where(RecallLot.recall_id == recall.id)


def affected_session_ids(recall: Recall, *, windowed: bool = False) -> CompoundSelect:
    """Sessions that used a recalled lot, as the supply or as the diluent of a pigment."""
    lot_ids = recalled_lot_ids(recall)
    since = recall.lookback_starts_at if windowed else None
    window = [TreatmentSession.started_at >= since] if since else []
    return union(
        *(
            select(SupplyUse.session_id)
            .join(TreatmentSession, TreatmentSession.id == SupplyUse.session_id)
            .where(column.in_(lot_ids), *window)
            for column in (SupplyUse.lot_id, SupplyUse.diluent_lot_id)
        )
    )


def list_affected_clients(
    recall: Recall,
    *,
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    per_page: int | None = 50,
) -> Pagination:
    """Clients treated with a recalled lot within the look-back, with sessions and notifications."""
    notified = exists().where(
        ClientNotification.recall_id == recall.id, ClientNotification.client_id == Client.id
    )
    sorts = {"name": Client.full_name, "notified": case((notified, 1), else_=0)}
    query = affected_clients_query(recall).order_by(*ordering(sorts, sort, descending, Client.id))
    found = db.paginate(query, **page_args(page, per_page))
    found.items = affected_clients(recall, found.items)
    return found


def affected_clients_query(recall: Recall) -> Select:
    """The clients treated with a recalled lot within the look-back, unordered."""
    sessions = affected_session_ids(recall, windowed=True)
    treated = select(TreatmentSession.client_id).where(TreatmentSession.id.in_(sessions))
    return select(Client).where(Client.id.in_(treated))


def affected_clients(recall: Recall, clients: Sequence[Client]) -> list[AffectedClient]:
    """Each of a page of affected clients with their sessions and notifications, in two queries."""
    client_ids = [client.id for client in clients]
    sessions = affected_session_ids(recall, windowed=True)
    by_client = _sessions_by_client(recall, client_ids, sessions)
    notes = _notifications_by_client(recall, client_ids)
    return [AffectedClient(c, by_client[c.id], notes[c.id]) for c in clients]


def _sessions_by_client(
    recall: Recall, client_ids: Sequence[int], sessions: CompoundSelect
) -> dict[int, list[SessionLots]]:
    if not client_ids:
        return defaultdict(list)
    found = db.session.scalars(
        select(TreatmentSession)
        .where(TreatmentSession.client_id.in_(client_ids), TreatmentSession.id.in_(sessions))
        .order_by(TreatmentSession.started_at, TreatmentSession.id)
    ).all()
    lots = lots_of_sessions([s.id for s in found], recalled_lot_ids(recall))
    grouped: dict[int, list[SessionLots]] = defaultdict(list)
    for session in found:
        grouped[session.client_id].append(SessionLots(session, lots.get(session.id, [])))
    return grouped


def _notifications_by_client(
    recall: Recall, client_ids: Sequence[int]
) -> dict[int, list[ClientNotification]]:
    grouped: dict[int, list[ClientNotification]] = defaultdict(list)
    if not client_ids:
        return grouped
    for note in db.session.scalars(
        select(ClientNotification)
        .join(ClientNotification.notified_by)
        .options(contains_eager(ClientNotification.notified_by))
        .where(ClientNotification.recall_id == recall.id)
        .where(ClientNotification.client_id.in_(client_ids))
        .order_by(ClientNotification.notified_at, ClientNotification.id)
    ):
        grouped[note.client_id].append(note)
    return grouped


# A session counts if it started within its recall's look-back (no start: an old, unlimited one).
_in_lookback = or_(
    Recall.lookback_starts_at.is_(None), TreatmentSession.started_at >= Recall.lookback_starts_at
)


def recall_progress(recalls: Sequence[Recall]) -> list[RecallProgress]:
    """Affected (within each look-back) and notified client counts, in two grouped queries."""
    ids = [recall.id for recall in recalls]
    if not ids:
        return []
    pairs = union(
        *(
            select(RecallLot.recall_id, TreatmentSession.client_id)
            .join(SupplyUse, column == RecallLot.lot_id)
            .join(TreatmentSession, TreatmentSession.id == SupplyUse.session_id)
            .join(Recall, Recall.id == RecallLot.recall_id)
            .where(RecallLot.recall_id.in_(ids), _in_lookback)
            for column in (SupplyUse.lot_id, SupplyUse.diluent_lot_id)
        )
    ).subquery()
    affected: dict[int, int] = dict(
        db.session.execute(
            select(pairs.c.recall_id, func.count(distinct(pairs.c.client_id))).group_by(
                pairs.c.recall_id
            )
        ).all()
    )
    notified = dict(
        db.session.execute(
            select(ClientNotification.recall_id, func.count(distinct(ClientNotification.client_id)))
            .where(ClientNotification.recall_id.in_(ids))
            .group_by(ClientNotification.recall_id)
        ).all()
    )
    return [RecallProgress(r, affected.get(r.id, 0), notified.get(r.id, 0)) for r in recalls]


def list_recalls(
    clinic: Clinic,
    *,
    state: str = "all",
    sort: str = "opened",
    descending: bool = True,
    page: int = 1,
    per_page: int | None = 50,
) -> Pagination:
    """The clinic's recalls (open, closed or all), each with its notification progress."""
    query = recalls_query(clinic, state)
    query = query.order_by(*ordering(RECALL_SORTS, sort, descending, Recall.id))
    found = db.paginate(query, **page_args(page, per_page))
    found.items = recall_progress(found.items)
    return found


def recalls_query(clinic: Clinic, state: str = "all") -> Select:
    """The clinic's recalls, open, closed or all, with their product and lots, unordered."""
    query = (
        select(Recall)
        .options(
            joinedload(Recall.product),
            selectinload(Recall.recall_lots).joinedload(RecallLot.lot),
        )
        .where(Recall.clinic_id == clinic.id)
    )
    if state == "open":
        return query.where(Recall.closed_at.is_(None))
    if state == "closed":
        return query.where(Recall.closed_at.is_not(None))
    return query


def list_open_recalls(clinic: Clinic) -> list[RecallProgress]:
    """Open recalls, newest first, each with how many affected clients were told (dashboard)."""
    recalls = list(
        db.session.scalars(
            select(Recall)
            .where(Recall.clinic_id == clinic.id, Recall.closed_at.is_(None))
            .order_by(Recall.opened_at.desc(), Recall.id.desc())
        )
    )
    return recall_progress(recalls)
