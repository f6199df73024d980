"""What the public patient page says about recalls of the lots a session used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import CompoundSelect, select, union

from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, Recall, RecallLot, SupplyLot, SupplyUse, TreatmentSession


@dataclass(frozen=True)
class RecallNotice:
    """What the public patient page says about a recall that touched this session."""

    product: str
    lots: list[str]
    reason: str
    source: str
    opened_on: date
    is_closed: bool
    what_to_do: str


def recall_notices_for_session(session: TreatmentSession) -> list[RecallNotice]:
    """Every recall, open or closed, of a lot this session used: what, why, and what to do."""
    used: CompoundSelect = union(
        select(SupplyUse.lot_id).where(SupplyUse.session_id == session.id),
        select(SupplyUse.diluent_lot_id).where(
            SupplyUse.session_id == session.id, SupplyUse.diluent_lot_id.is_not(None)
        ),
    )
    rows = db.session.execute(
        select(Recall, SupplyLot.lot_number)
        .join(RecallLot, RecallLot.recall_id == Recall.id)
        .join(SupplyLot, SupplyLot.id == RecallLot.lot_id)
        .where(RecallLot.lot_id.in_(used))
        .order_by(Recall.opened_at, Recall.id, SupplyLot.lot_number)
    ).all()
    lots: dict[Recall, list[str]] = {}
    for recall, lot_number in rows:
        lots.setdefault(recall, []).append(lot_number)
    return [_notice(recall, numbers, session.clinic) for recall, numbers in lots.items()]


def _notice(recall: Recall, lot_numbers: list[str], clinic: Clinic) -> RecallNotice:
    contact = " or ".join(part for part in (clinic.phone, clinic.email) if part)
    ask = f"Questions: contact {clinic.name}" + (f" ({contact})." if contact else ".")
    return RecallNotice(
        product=recall.product.title,
        lots=lot_numbers,
        reason=recall.reason,
        source=recall.source_label,
        opened_on=recall.opened_at.date(),
        is_closed=not recall.is_open,
        what_to_do=(
            "This product was withdrawn after your treatment. If the treated area has healed "
            "normally, you do not need to do anything. If you notice redness, swelling, "
            "itching, bumps or blisters there, see a doctor and show them this page. " + ask
        ),
    )
