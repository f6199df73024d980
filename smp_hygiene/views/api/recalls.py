"""Recalls: open one (its lots are blocked at the chair at once), see whom it affects, record
who was told, widen the look-back, close it."""

from __future__ import annotations

from flask_login import current_user

from smp_hygiene.models import Client, Product, Recall, TreatmentSession
from smp_hygiene.services.people.permissions import AUDIT_ROLES
from smp_hygiene.services.recalls import operations as recalls
from smp_hygiene.services.recalls import queries
from smp_hygiene.views.api.blueprint import bp
from smp_hygiene.views.api.paging import PageArgs, page, page_of
from smp_hygiene.views.api.recall_schemas import (
    AffectedClientSchema,
    CloseSchema,
    LookbackSchema,
    NotificationSchema,
    NotifySchema,
    OpenRecallSchema,
    RecallQuery,
    RecallSchema,
)
from smp_hygiene.views.api.tokens import allow
from smp_hygiene.views.api.writes import write
from smp_hygiene.views.loading import own_or_404

TAGS = ["recalls"]


def shown(found: list[Recall]) -> list[dict]:
    """Each recall with its lots and how many affected clients were told."""
    return [
        {
            **{name: getattr(p.recall, name) for name in _COLUMNS},
            "product": p.recall.product.title,
            "lots_as_given": p.recall.lots_as_given.splitlines(),
            "not_held": p.recall.not_held.splitlines(),
            "blocked_lot_ids": [row.lot_id for row in p.recall.recall_lots],
            "affected": p.affected,
            "notified": p.notified,
        }
        for p in queries.recall_progress(found)
    ]


_COLUMNS = ("id", "product_id", "scope", "reason", "source_reference", "opened_at",
            "opened_by_id", "closed_at", "close_reason", "lookback_starts_at")  # fmt: skip


def affected(recall: Recall):
    """The page's clients with their sessions (and the recalled lots each used) and notices."""

    def rows(clients: list[Client]) -> list[dict]:
        return [
            {
                **{name: getattr(row.client, name) for name in _CLIENT_COLUMNS},
                "sessions": [_session(s.session, s.lots) for s in row.sessions],
                "notifications": row.notifications,
            }
            for row in queries.affected_clients(recall, clients)
        ]

    return rows


_CLIENT_COLUMNS = ("id", "full_name", "phone", "email", "address")


def _session(session: TreatmentSession, lots) -> dict:
    return {"session_id": session.id, "started_at": session.started_at,
            "lots": [use.label for use in lots]}  # fmt: skip


@bp.get("/recalls", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.arguments(RecallQuery, location="query")
@bp.response(200, page_of(RecallSchema))
def list_recalls(args: dict):
    """The clinic's recalls, newest first: all, open or closed."""
    query = queries.recalls_query(current_user.clinic, args["state"])
    return page(query, Recall.id, args, rows=shown)


@bp.get("/recalls/<int:recall_id>", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.response(200, RecallSchema)
def get_recall(recall_id: int):
    """One recall with its blocked lots and notification progress."""
    return shown([own_or_404(Recall, recall_id)])[0]


@bp.post("/recalls", tags=TAGS)
@allow(AUDIT_ROLES)
@write
@bp.arguments(OpenRecallSchema)
@bp.response(201, RecallSchema)
def open_recall(data: dict):
    """Open a recall: the lots it names are blocked at the chair as soon as this returns; lots
    named but not received yet are blocked when they arrive."""
    product = own_or_404(Product, data["product_id"])
    recall = recalls.open_recall(
        current_user, product, data["scope"], data["lots"], data["reason"],
        data["source_reference"], data["lookback_from"],
    )  # fmt: skip
    return shown([recall])[0]


@bp.get("/recalls/<int:recall_id>/clients", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(AffectedClientSchema))
def affected_clients(args: dict, recall_id: int):
    """Clients treated with a recalled lot within the look-back, with contact details."""
    recall = own_or_404(Recall, recall_id)
    return page(queries.affected_clients_query(recall), Client.id, args, rows=affected(recall))


@bp.post("/recalls/<int:recall_id>/notifications", tags=TAGS)
@allow(AUDIT_ROLES)
@write
@bp.arguments(NotifySchema)
@bp.response(201, NotificationSchema)
def notify(data: dict, recall_id: int):
    """Record that an affected client was told: how, when (now if empty), by whom."""
    recall, client = own_or_404(Recall, recall_id), own_or_404(Client, data["client_id"])
    session = own_or_404(TreatmentSession, data["session_id"]) if data["session_id"] else None
    return recalls.mark_client_notified(
        current_user, recall, client, data["channel"], data["notified_at"], data["note"], session
    )


@bp.post("/recalls/<int:recall_id>/lookback", tags=TAGS)
@allow(AUDIT_ROLES)
@write
@bp.arguments(LookbackSchema)
@bp.response(200, RecallSchema)
def widen_lookback(data: dict, recall_id: int):
    """Start the look-back earlier, so clients treated before it are listed too."""
    recall = own_or_404(Recall, recall_id)
    recalls.widen_lookback(current_user, recall, data["lookback_from"])
    return shown([recall])[0]


@bp.post("/recalls/<int:recall_id>/close", tags=TAGS)
@allow(AUDIT_ROLES)
@write
@bp.arguments(CloseSchema)
@bp.response(200, RecallSchema)
def close(data: dict, recall_id: int):
    """Close a recall with a reason; its lots stay recalled."""
    recall = own_or_404(Recall, recall_id)
    recalls.close_recall(current_user, recall, data["reason"])
    return shown([recall])[0]
