"""A lot's standing: every status change, and the block an open recall puts on a lot."""

from __future__ import annotations

from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import LotStatus, Recall, RecallLot, RecallScope, SupplyLot, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.lots.identity import in_range, range_bounds
from smp_hygiene.timeutil import utcnow


def set_lot_status(
    lot: SupplyLot, status: LotStatus, actor: User, reason: str, reference: str = ""
) -> None:
    """Quarantine, recall or release a lot, with the reason the chair will show."""
    before = chain.snapshot(lot)
    lot.status, lot.status_reason, lot.status_reference = status, reason.strip(), reference.strip()
    lot.status_changed_at = utcnow()
    chain.record(actor, f"lot.{status.value}", lot, before=before)


def block_lot(recall: Recall, lot: SupplyLot, actor: User) -> None:
    """Recall one lot: the chair refuses RECALLED lots, and the recall remembers its old status."""
    db.session.add(RecallLot(recall=recall, lot=lot, previous_status=lot.status))
    reason = f"Recall #{recall.id}: {recall.reason}"
    set_lot_status(lot, LotStatus.RECALLED, actor, reason, recall.source_reference)


def block_if_recalled(lot: SupplyLot, actor: User) -> Recall | None:
    """A lot received after its recall was opened is blocked on arrival, by that recall."""
    open_recalls = db.session.scalars(
        select(Recall).where(Recall.product_id == lot.product_id, Recall.closed_at.is_(None))
    )
    for recall in open_recalls:
        if covers(recall, lot.lot_key):
            block_lot(recall, lot, actor)
            return recall
    return None


def covers(recall: Recall, key: str) -> bool:
    """Whether a recall's scope (whole product, list or range of lots) takes in this lot key."""
    keys = [k for k in recall.lot_keys.split("\n") if k]
    if recall.scope is RecallScope.PRODUCT:
        return True
    if recall.scope is RecallScope.LOT_RANGE:
        return in_range(key, *range_bounds(keys))
    return key in keys
