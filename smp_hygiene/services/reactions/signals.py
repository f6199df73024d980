"""Early warning across clients: reactions on one lot (or one pigment) crossing a threshold.

Each logged reaction is checked against every lot its session used: when the clinic's reactions
on that lot within its window reach the lot threshold, a signal is raised naming the lot and
the reactions (a later reaction joins the open signal). Pigment products are checked the same
way across their lots, against the product threshold, since an allergy follows the formula
rather than the batch. An auditor then quarantines (one step, with the reason: the chair
refuses quarantined lots) or dismisses the signal; both are audited and timed for inspectors.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    Product,
    ProductKind,
    ReactionSignal,
    SignalScope,
    SignalStatus,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
)
from smp_hygiene.services.aftercare.settings import settings_for
from smp_hygiene.services.audit import chain
from smp_hygiene.services.reactions.queries import reaction_lots
from smp_hygiene.timeutil import utcnow


def check_signals(reaction: AdverseReaction, now: datetime | None = None) -> list[ReactionSignal]:
    """Raise (or extend) the signals this reaction takes over the clinic's thresholds."""
    now = now or utcnow()
    settings = settings_for(reaction.clinic)
    since = now - timedelta(days=settings.signal_window_days)
    touched = []
    lots = [lot for _, lot in reaction_lots(reaction)]
    for lot in lots:
        found = _reactions_on([lot.id], reaction.clinic_id, since)
        touched += _raise(reaction, SignalScope.LOT, lot.product, lot, found, settings)
    threshold = settings.product_signal_threshold
    pigments = {
        lot.product.id: lot.product for lot in lots if lot.product.kind is ProductKind.PIGMENT
    }
    for product in pigments.values() if threshold is not None else ():
        lot_ids = select(SupplyLot.id).where(SupplyLot.product_id == product.id)
        found = _reactions_on(lot_ids, reaction.clinic_id, since)
        touched += _raise(reaction, SignalScope.PRODUCT, product, None, found, settings)
    return touched


def _reactions_on(lot_ids, clinic_id: int, since: datetime) -> list[AdverseReaction]:
    """The clinic's reactions learned of since `since` whose session used one of these lots."""
    sessions = select(SupplyUse.session_id).where(
        SupplyUse.lot_id.in_(lot_ids) | SupplyUse.diluent_lot_id.in_(lot_ids)
    )
    return list(
        db.session.scalars(
            select(AdverseReaction)
            .where(
                AdverseReaction.clinic_id == clinic_id,
                AdverseReaction.reported_at >= since,
                AdverseReaction.session_id.in_(sessions),
            )
            .order_by(AdverseReaction.reported_at, AdverseReaction.id)
        )
    )


def _raise(reaction, scope, product: Product, lot: SupplyLot | None, found, settings) -> list:
    threshold = (
        settings.lot_signal_threshold if scope is SignalScope.LOT
        else settings.product_signal_threshold
    )  # fmt: skip
    open_signal = db.session.scalar(
        select(ReactionSignal).filter_by(
            clinic_id=reaction.clinic_id,
            scope=scope,
            product_id=product.id,
            lot_id=lot.id if lot else None,
            status=SignalStatus.OPEN,
        )  # fmt: skip
    )
    if open_signal is not None:
        if reaction not in open_signal.reactions:
            open_signal.reactions.append(reaction)
            chain.record(None, "reaction_signal.extended", open_signal,
                         after={"reaction_ids": [r.id for r in open_signal.reactions]})  # fmt: skip
        return [open_signal]
    if len(found) < threshold:
        return []
    signal = ReactionSignal(
        clinic_id=reaction.clinic_id, scope=scope, product=product, lot=lot,
        threshold=threshold, window_days=settings.signal_window_days, reactions=found,
    )  # fmt: skip
    db.session.add(signal)
    after = {**chain.snapshot(signal), "reaction_ids": [r.id for r in found]}
    chain.record(None, "reaction_signal.raised", signal, after=after)
    return [signal]


def exposed_sessions(signal: ReactionSignal) -> list[TreatmentSession]:
    """Every session that used the signal's lot (or any lot of its product): who to call."""
    if signal.lot_id is not None:
        lot_ids = select(SupplyLot.id).where(SupplyLot.id == signal.lot_id)
    else:
        lot_ids = select(SupplyLot.id).where(SupplyLot.product_id == signal.product_id)
    used = select(SupplyUse.session_id).where(
        SupplyUse.lot_id.in_(lot_ids) | SupplyUse.diluent_lot_id.in_(lot_ids)
    )
    return list(
        db.session.scalars(
            select(TreatmentSession)
            .where(TreatmentSession.id.in_(used), TreatmentSession.clinic_id == signal.clinic_id)
            .order_by(TreatmentSession.started_at, TreatmentSession.id)
        )
    )
