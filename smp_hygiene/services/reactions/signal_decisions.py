"""An auditor's decision on an early-warning signal, and the inspector's report of them all.

Quarantine is one step: every usable lot the signal names (its lot, or each lot of its product)
is quarantined through lots.status with the auditor's reason, so the chair refuses it like any
other quarantined lot. A dismissal keeps its reason. How long each decision took is kept for the
inspector: from the signal being raised to the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smp_hygiene.errors import DomainError, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Clinic,
    LotStatus,
    ReactionSignal,
    SignalStatus,
    SupplyLot,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.lots.status import set_lot_status
from smp_hygiene.services.people import permissions
from smp_hygiene.timeutil import utcnow


class SignalDecided(DomainError):
    """A signal is decided once: quarantined or dismissed."""

    label = "Signal already decided"


def list_open_signals(clinic: Clinic) -> list[ReactionSignal]:
    """Signals waiting for a decision, oldest first."""
    return [s for s in list_signals(clinic) if s.status is SignalStatus.OPEN][::-1]


def list_signals(clinic: Clinic) -> list[ReactionSignal]:
    """Every signal of the clinic, newest first."""
    return list(
        db.session.scalars(
            select(ReactionSignal)
            .where(ReactionSignal.clinic_id == clinic.id)
            .options(
                selectinload(ReactionSignal.reactions),
                selectinload(ReactionSignal.lot),
                selectinload(ReactionSignal.product),
                selectinload(ReactionSignal.decided_by),
            )
            .order_by(ReactionSignal.raised_at.desc(), ReactionSignal.id.desc())
        )
    )


def _decide(signal: ReactionSignal, auditor: User, reason: str) -> str:
    permissions.require(
        permissions.can_audit(auditor) and auditor.clinic_id == signal.clinic_id,
        "Only the clinic's auditors and admins can decide on a signal.",
    )
    if signal.status is not SignalStatus.OPEN:
        raise SignalDecided(f"Signal {signal.id} was already {signal.status.value}.")
    if not reason.strip():
        raise InvalidInput("Give the reason for your decision: it goes on the record.")
    return reason.strip()


def lots_to_quarantine(signal: ReactionSignal) -> list[SupplyLot]:
    """The usable lots the signal names: its lot, or every lot of its product still in use."""
    if signal.lot is not None:
        lots = [signal.lot]
    else:
        lots = list(db.session.scalars(select(SupplyLot).filter_by(product_id=signal.product_id)))
    return [lot for lot in lots if lot.status is LotStatus.AVAILABLE]


def quarantine_signal(
    signal: ReactionSignal, auditor: User, reason: str, now: datetime | None = None
) -> list[SupplyLot]:
    """Quarantine the signal's lots in one step; the chair refuses them from now on."""
    reason = _decide(signal, auditor, reason)
    lots = lots_to_quarantine(signal)
    for lot in lots:
        set_lot_status(
            lot, LotStatus.QUARANTINED, auditor, f"Reaction signal {signal.id}: {reason}"
        )
    _close(signal, auditor, SignalStatus.QUARANTINED, reason, now)
    return lots


def dismiss_signal(
    signal: ReactionSignal, auditor: User, reason: str, now: datetime | None = None
) -> None:
    """Judge the reactions unrelated to the lot: the signal closes with the reason."""
    _close(signal, auditor, SignalStatus.DISMISSED, _decide(signal, auditor, reason), now)


def _close(signal, auditor: User, status: SignalStatus, reason: str, now) -> None:
    before = chain.snapshot(signal)
    signal.status, signal.decision_reason = status, reason
    signal.decided_at, signal.decided_by = now or utcnow(), auditor
    chain.record(auditor, f"reaction_signal.{status.value}", signal, before=before)


@dataclass(frozen=True)
class SignalLine:
    """One signal as the inspector's report lists it."""

    signal: ReactionSignal

    @property
    def took(self) -> timedelta | None:
        decided = self.signal.decided_at
        return decided - self.signal.raised_at if decided else None

    @property
    def took_words(self) -> str:
        took = self.took
        if took is None:
            return "waiting"
        hours, minutes = divmod(int(took.total_seconds()) // 60, 60)
        return f"{hours} h {minutes:02d} min"


def signal_report(clinic: Clinic) -> list[SignalLine]:
    """Every signal raised, the decision taken and how long it took, oldest first."""
    return [SignalLine(signal) for signal in reversed(list_signals(clinic))]
