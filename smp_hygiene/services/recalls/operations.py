"""Recalls: block the lots at once, find who was treated with them, and track who was told.

Opening a recall sets every lot in scope to RECALLED in the same transaction, so the chair,
which refuses recalled lots, blocks them from the next scan. A recall may name lots not received
yet: it records their codes, and receiving blocks them on arrival. A recall is never deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from smp_hygiene.errors import InvalidInput, NotFound, RecallClosed
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    ClientNotification,
    Clinic,
    NotificationChannel,
    Product,
    Recall,
    RecallScope,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.lots.status import block_lot
from smp_hygiene.services.people import permissions
from smp_hygiene.services.recalls.matching import RecallMatch, match_recall
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
    "RecallMatch",
    "RecallProgress",
    "close_recall",
    "get_recall",
    "list_affected_clients",
    "list_open_recalls",
    "list_recalls",
    "mark_client_notified",
    "lookback_floor",
    "open_recall",
    "preview_recall",
    "recall_notices_for_session",
    "recall_progress",
    "widen_lookback",
]

LOOKBACK_YEARS = 3  # DOMAIN retention: never below 3 years for ink-lot to client links


def _require_auditor(actor: User, clinic_id: int) -> None:
    permissions.require(
        permissions.can_audit(actor) and actor.clinic_id == clinic_id,
        "Only the clinic's auditors and admins can manage recalls.",
    )


def _required(text: str, what: str) -> str:
    if not (text or "").strip():
        raise InvalidInput(f"Give the {what}.")
    return text.strip()


def preview_recall(
    actor: User, product: Product, scope: RecallScope, lot_numbers: Sequence[str]
) -> RecallMatch:
    """What a recall would record and block, and why each lot matched, before it is opened."""
    _require_auditor(actor, product.clinic_id)
    return match_recall(product, scope, [text.strip() for text in lot_numbers if text.strip()])


def open_recall(
    actor: User,
    product: Product,
    scope: RecallScope,
    lot_numbers: Sequence[str],
    reason: str,
    source_reference: str,
    lookback_from: date | None = None,
) -> Recall:
    """Recall lots or a product: lots held are blocked now, lots received later on arrival."""
    match = preview_recall(actor, product, scope, lot_numbers)
    reason = _required(reason, "reason for the recall")
    source_reference = _required(source_reference, "source reference (alert or notice number)")
    if len(source_reference) > 100:
        raise InvalidInput("The source reference is longer than 100 characters.")
    now = utcnow()
    recall = Recall(
        clinic_id=product.clinic_id,
        product=product,
        scope=scope,
        lot_keys="\n".join(match.keys),
        lots_as_given="\n".join(text for text, _ in match.entries),
        not_held="\n".join(match.not_held),
        reason=reason,
        source_reference=source_reference,
        opened_at=now,
        opened_by=actor,
        lookback_starts_at=_lookback_start(lookback_from, now.date()),
    )
    db.session.add(recall)
    chain.record(actor, "recall.opened", recall)
    for lot in match.lots:
        block_lot(recall, lot, actor)
    return recall


def lookback_floor(opened_on: date) -> date:
    """The retention floor: a look-back covers at least the 3 years before the recall opened."""
    try:
        return opened_on.replace(year=opened_on.year - LOOKBACK_YEARS)
    except ValueError:  # 29 February, three years back, is the 28th
        return opened_on.replace(year=opened_on.year - LOOKBACK_YEARS, day=28)


def _lookback_start(chosen: date | None, opened_on: date) -> datetime:
    floor = lookback_floor(opened_on)
    if chosen is not None and chosen > floor:
        raise InvalidInput(
            f"The look-back must cover at least {LOOKBACK_YEARS} years, the retention floor: "
            f"start it on {floor.isoformat()} or earlier."
        )
    return datetime.combine(chosen or floor, time.min, tzinfo=UTC)


def widen_lookback(actor: User, recall: Recall, start: date) -> None:
    """Move the look-back's start earlier, so older sessions' clients are listed too."""
    _require_auditor(actor, recall.clinic_id)
    current = recall.lookback_start
    if current is None or start >= current:
        since = "covers every session on record" if current is None else f"starts on {current}"
        raise InvalidInput(f"The look-back already {since}: a wider one starts earlier.")
    before = chain.snapshot(recall)
    recall.lookback_starts_at = datetime.combine(start, time.min, tzinfo=UTC)
    chain.record(actor, "recall.lookback_widened", recall, before=before)


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
    if client.clinic_id != recall.clinic_id:
        # Another clinic's client is not named: the name would be that clinic's record.
        raise InvalidInput("That client was not treated with a lot in this recall.")
    sessions = db.session.scalars(
        select(TreatmentSession.id).where(
            TreatmentSession.client_id == client.id,
            TreatmentSession.id.in_(affected_session_ids(recall)),
        )
    ).all()
    if not sessions:
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
