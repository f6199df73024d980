"""The sealed form of a session record and its SHA-256 digest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import SessionStatus, TreatmentSession
from smp_hygiene.services.audit.chain import canonical
from smp_hygiene.services.sterilisation import packs


def sealed_content(session: TreatmentSession) -> dict:
    """Everything the record vouches for. Lot status is left out: a later recall must not
    break the seal, it is shown beside it."""
    return {
        "session_id": session.id,
        "clinic_id": session.clinic_id,
        "client_id": session.client_id,
        "technician_id": session.technician_id,
        "course_number": session.course_number,
        "treated_area": session.treated_area,
        "notes": session.notes,
        "started_at": session.started_at,
        "completed_at": session.completed_at,
        "label_info_provided_at": session.label_info_provided_at,
        "uses": [_use(u) for u in session.uses],
        "checklist": [
            {"item_id": a.item_id, "text": a.item_text, "by": a.answered_by_id, "at": a.answered_at}
            for a in session.answers
        ],
        "packs": [packs.sealed_pack(use) for use in packs.list_pack_uses(session)],
        "overrides": [
            {
                "code": o.code,
                "message": o.message,
                "reason": o.reason,
                "by": o.acknowledged_by_id,
                "at": o.acknowledged_at,
            }
            for o in session.overrides
        ],
    }


def _use(use) -> dict:
    lot = use.lot
    return {
        "lot_id": lot.id,
        "product_id": lot.product_id,
        "gtin": lot.product.gtin,
        "lot": lot.lot_number,
        "expiry": lot.expiry_date,
        "sterility_expiry": lot.sterility_expiry,
        "quantity": use.quantity,
        "serial": use.serial,
        "used_at": use.used_at,
        "used_by": use.used_by_id,
        "raw": use.raw_barcode,
        "diluent_lot_id": use.diluent_lot_id,
        "patch_test_id": use.patch_test_id,
    }


def digest(session: TreatmentSession) -> str:
    return hashlib.sha256(canonical(sealed_content(session)).encode()).hexdigest()


@dataclass(frozen=True)
class SealReport:
    checked: int
    broken_session_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken_session_id is None


def verify_seals() -> SealReport:
    """Recompute every sealed session's digest; name the first that no longer matches."""
    sealed = select(TreatmentSession).where(
        TreatmentSession.sealed_digest.is_not(None),
        TreatmentSession.status != SessionStatus.IN_PROGRESS,
    )
    checked = 0
    for session in db.session.scalars(sealed.order_by(TreatmentSession.id)):
        checked += 1
        if digest(session) != session.sealed_digest:
            return SealReport(checked, session.id)
    return SealReport(checked)
