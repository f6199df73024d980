"""Recalls: block the lots at once, find who was treated with them, and track who was told.

Opening a recall sets every lot in scope to RECALLED in the same transaction, so the chair,
which refuses recalled lots, blocks them from the next scan. A recall is never deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from smp_hygiene.errors import InvalidInput, NotFound, RecallClosed, UnknownLot
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    ClientNotification,
    Clinic,
    NotificationChannel,
    Product,
    Recall,
    RecallScope,
    SupplyLot,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.lots.identity import in_range, normalise_lot, range_bounds
from smp_hygiene.services.lots.status import block_lot
from smp_hygiene.services.people import permissions
from smp_hygiene.services.recalls.notices import RecallNotice, recall_notices_for_session
from smp_hygiene.services.recalls.queries import (
    RecallProgress,
    affected_session_ids,
    list_affected_clients,
    list_open_recalls,
    list_recalls,
    recall_progress,
)
from smp_hygiene.timeutil import utcnow

__all__ = [
    "RecallNotice",
    "RecallProgress",
    "close_recall",
    "get_recall",
    "list_affected_clients",
    "list_open_recalls",
    "list_recalls",
    "mark_client_notified",
    "open_recall",
    "recall_notices_for_session",
    "recall_progress",
]


def _require_auditor(actor: User, clinic_id: int) -> None:
    permissions.require(
        permissions.can_audit(actor) and actor.clinic_id == clinic_id,
        "Only the clinic's auditors and admins can manage recalls.",
    )


def _required(text: str, what: str) -> str:
    if not (text or "").strip():
        raise InvalidInput(f"Give the {what}.")
    return text.strip()


def open_recall(
    actor: User,
    product: Product,
    scope: RecallScope,
    lot_numbers: Sequence[str],
    reason: str,
    source_reference: str,
) -> Recall:
    """Recall one lot, a list or range of lots, or a whole product: every lot held is blocked."""
    _require_auditor(actor, product.clinic_id)
    reason = _required(reason, "reason for the recall")
    source_reference = _required(source_reference, "source reference (alert or notice number)")
    if len(source_reference) > 100:
        raise InvalidInput("The source reference is longer than 100 characters.")
    given = [text.strip() for text in lot_numbers if text.strip()]
    keys = _scope_keys(scope, given)
    lots, not_held = _lots_in_scope(product, scope, keys, given)
    if not lots:
        raise UnknownLot(f"No lot of {product.title} in this recall was received here.")
    recall = Recall(
        clinic_id=product.clinic_id,
        product=product,
        scope=scope,
        lot_keys="\n".join(keys),
        lots_as_given="\n".join(given),
        not_held="\n".join(not_held),
        reason=reason,
        source_reference=source_reference,
        opened_at=utcnow(),
        opened_by=actor,
    )
    db.session.add(recall)
    chain.record(actor, "recall.opened", recall)
    for lot in lots:
        block_lot(recall, lot, actor)
    return recall


def _scope_keys(scope: RecallScope, given: list[str]) -> list[str]:
    """The normalised lot keys a scope names, checked for the number each scope needs."""
    keys = [normalise_lot(text) for text in given]
    if any(not key for key in keys):
        raise InvalidInput("A lot number needs at least one letter or digit.")
    if scope is RecallScope.PRODUCT:
        if keys:
            raise InvalidInput("A whole-product recall names no lots.")
        return []
    if scope is RecallScope.LOT and len(keys) != 1:
        raise InvalidInput("Give exactly one lot number.")
    if scope is RecallScope.LOT_LIST and not keys:
        raise InvalidInput("Give at least one lot number.")
    if scope is RecallScope.LOT_RANGE:
        range_bounds(keys)
    return list(dict.fromkeys(keys))


def _lots_in_scope(
    product: Product, scope: RecallScope, keys: list[str], given: list[str]
) -> tuple[list[SupplyLot], list[str]]:
    """The product's lots the recall covers, and the named lots never received here."""
    lots = list(
        db.session.scalars(
            select(SupplyLot).where(SupplyLot.product_id == product.id).order_by(SupplyLot.id)
        )
    )
    if scope is RecallScope.PRODUCT:
        return lots, []
    if scope is RecallScope.LOT_RANGE:
        prefix, low, high = range_bounds(keys)
        return [lot for lot in lots if in_range(lot.lot_key, prefix, low, high)], []
    held = {lot.lot_key for lot in lots}
    not_held = [text for text in given if normalise_lot(text) not in held]
    return [lot for lot in lots if lot.lot_key in keys], not_held


def get_recall(clinic: Clinic, recall_id: int) -> Recall:
    """A recall of this clinic; another clinic's recalls do not exist from here."""
    recall = db.session.get(Recall, recall_id)
    if recall is None or recall.clinic_id != clinic.id:
        raise NotFound(f"There is no recall #{recall_id}.")
    return recall


def mark_client_notified(
    actor: User,
    recall: Recall,
    client: Client,
    channel: NotificationChannel,
    notified_at: datetime | None = None,
    note: str = "",
    session: TreatmentSession | None = None,
) -> ClientNotification:
    """Record that a client treated with a recalled lot was told, how and when."""
    _require_auditor(actor, recall.clinic_id)
    sessions = db.session.scalars(
        select(TreatmentSession.id).where(
            TreatmentSession.client_id == client.id,
            TreatmentSession.id.in_(affected_session_ids(recall)),
        )
    ).all()
    if client.clinic_id != recall.clinic_id or not sessions:
        raise InvalidInput(f"{client.full_name} was not treated with a lot in this recall.")
    if session is not None and session.id not in sessions:
        raise InvalidInput("That session is not one of this client's sessions in the recall.")
    when = notified_at or utcnow()
    if when > utcnow() + timedelta(minutes=5):
        raise InvalidInput("The notification time is in the future.")
    notification = ClientNotification(
        recall=recall,
        client=client,
        session=session,
        channel=channel,
        notified_at=when,
        notified_by=actor,
        note=note.strip(),
    )
    db.session.add(notification)
    chain.record(actor, "recall.client_notified", notification)
    return notification


def close_recall(actor: User, recall: Recall, reason: str) -> None:
    """Close a recall with a reason; its lots stay recalled."""
    _require_auditor(actor, recall.clinic_id)
    if not recall.is_open:
        raise RecallClosed(f"Recall #{recall.id} is already closed.")
    before = chain.snapshot(recall)
    recall.close_reason = _required(reason, "reason for closing the recall")
    recall.closed_at = utcnow()
    recall.closed_by = actor
    # Closing ends the look-back (clients told, or the notice withdrawn); it does not make the
    # stock safe. Releasing a lot is a separate decision, with its own reason and audit entry,
    # through the supplies service, so closing the paperwork never silently unblocks a lot.
    chain.record(actor, "recall.closed", recall, before=before)
