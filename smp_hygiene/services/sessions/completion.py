"""Completing a session: the last checks, the seal, the card, all under the session's lock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from smp_hygiene.errors import CannotComplete, NotAllowed, SessionNotOpen
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    ChecklistItem,
    Product,
    ProductKind,
    SessionStatus,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
    User,
)
from smp_hygiene.services.aftercare import schedule as aftercare
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions
from smp_hygiene.services.sessions import checklists, sealing
from smp_hygiene.services.sessions.locks import lock_session
from smp_hygiene.services.sessions.scans import require_open
from smp_hygiene.services.verification import tokens as verification
from smp_hygiene.timeutil import as_utc, utcnow


def completion_blockers(
    session: TreatmentSession, active_items: list[ChecklistItem] | None = None
) -> list[str]:
    """What still stands between this session and its seal, in the technician's words. A page
    that has the clinic's active items and the session's answers and uses in hand passes the
    items, and nothing is read again; otherwise two queries answer."""
    if active_items is None:
        missing, has_needle = checklists.unticked_items(session), _has_needle(session)
    else:
        answered = {a.item_id for a in session.answers}
        missing = [item for item in active_items if item.id not in answered]
        has_needle = any(use.lot.is_needle for use in session.uses)
    blockers = []
    if missing:
        blockers.append("Checklist items not ticked: " + "; ".join(i.text for i in missing) + ".")
    if not has_needle:
        blockers.append("No needle cartridge scanned yet.")
    return blockers


def _has_needle(session: TreatmentSession) -> bool:
    # One query, however many supplies the session used (not a lot and product per use).
    needle = (
        select(SupplyUse.id)
        .join(SupplyLot, SupplyLot.id == SupplyUse.lot_id)
        .join(Product, Product.id == SupplyLot.product_id)
        .where(SupplyUse.session_id == session.id, Product.kind == ProductKind.NEEDLE_CARTRIDGE)
    )
    return bool(db.session.scalar(select(needle.exists())))


def complete_session(
    session: TreatmentSession, user: User, now: datetime | None = None
) -> TreatmentSession:
    """Seal the record: its digest is stored and a verification token issued, once; the
    aftercare check-ins are scheduled from the completion time.

    The checks run inside the session's lock, so a scan cannot land after the digest and a
    second Complete (another tab, another device) finds the session already sealed.
    """
    lock_session(session)
    _refuse_second_completion(session, user)
    require_open(session, user)
    if user.id != session.technician_id and not permissions.can_administer(user):
        raise NotAllowed("Only the technician who ran the session can complete it.")
    blockers = completion_blockers(session)
    if blockers:
        raise CannotComplete("Cannot complete yet. " + " ".join(blockers))
    session.status, session.completed_at = SessionStatus.COMPLETED, now or utcnow()
    db.session.flush()
    session.sealed_digest = sealing.digest(session)
    verification.issue_verification_token(session)
    chain.record(
        user,
        "session.completed",
        session,
        after={"status": session.status, "sealed_digest": session.sealed_digest},
    )
    aftercare.schedule_follow_ups(session, user)
    return session


def _refuse_second_completion(session: TreatmentSession, user: User) -> None:
    if session.status is not SessionStatus.COMPLETED or user.clinic_id != session.clinic_id:
        return
    at = as_utc(session.completed_at or utcnow()).astimezone(ZoneInfo(session.clinic.timezone))
    raise SessionNotOpen(
        f"This session was already completed at {at:%H:%M}; its record is sealed. "
        "Use an addendum to correct it."
    )
