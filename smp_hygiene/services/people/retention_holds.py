"""Why a client past the retention period must still be kept: each hold in words for the admin.

A client is held while the clinic may still need to reach them about their treatment: an open
recall of a lot used on them, an open adverse reaction, a problem they reported from their card
that no auditor has triaged yet, or a booking still booked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    Booking,
    BookingStatus,
    Clinic,
    ProblemReport,
    ProblemReportStatus,
    ReactionStatus,
    Recall,
    TreatmentSession,
)
from smp_hygiene.services.recalls.queries import affected_session_ids
from smp_hygiene.timeutil import local_date


def holds_for(clinic: Clinic, client_ids: Sequence[int]) -> dict[int, list[str]]:
    """Why each of these clients must still be reachable, in words for the admin."""
    holds: dict[int, list[str]] = defaultdict(list)
    if not client_ids:
        return holds
    open_recalls = db.session.scalars(
        select(Recall)
        .where(Recall.clinic_id == clinic.id, Recall.closed_at.is_(None))
        .order_by(Recall.id)
    )
    for recall in open_recalls:
        touched = select(TreatmentSession.client_id).where(
            TreatmentSession.id.in_(affected_session_ids(recall)),
            TreatmentSession.client_id.in_(client_ids),
        )
        for client_id in set(db.session.scalars(touched)):
            holds[client_id].append(
                f"recall #{recall.id} ({recall.source_label}) is open and a recalled lot was "
                "used on them"
            )
    open_reactions = db.session.execute(
        select(AdverseReaction.id, TreatmentSession.client_id)
        .join(TreatmentSession, TreatmentSession.id == AdverseReaction.session_id)
        .where(AdverseReaction.clinic_id == clinic.id)
        .where(AdverseReaction.status == ReactionStatus.OPEN)
        .where(TreatmentSession.client_id.in_(client_ids))
        .order_by(AdverseReaction.id)
    )
    for reaction_id, client_id in open_reactions:
        holds[client_id].append(f"adverse reaction #{reaction_id} is still open")
    _report_holds(client_ids, holds)
    _booking_holds(clinic, client_ids, holds)
    return holds


def _booking_holds(clinic: Clinic, client_ids: Sequence[int], holds: dict[int, list[str]]) -> None:
    booked = db.session.scalars(
        select(Booking)
        .where(Booking.client_id.in_(client_ids), Booking.status == BookingStatus.BOOKED)
        .order_by(Booking.starts_at, Booking.id)
    )
    for booking in booked:
        holds[booking.client_id].append(
            f"a booking on {local_date(booking.starts_at, clinic.timezone).isoformat()} is still "
            "booked"
        )


def _report_holds(client_ids: Sequence[int], holds: dict[int, list[str]]) -> None:
    waiting = db.session.execute(
        select(ProblemReport.id, TreatmentSession.client_id)
        .join(TreatmentSession, TreatmentSession.id == ProblemReport.session_id)
        .where(ProblemReport.status == ProblemReportStatus.NEW)
        .where(TreatmentSession.client_id.in_(client_ids))
        .order_by(ProblemReport.id)
    )
    for report_id, client_id in waiting:
        holds[client_id].append(f"the problem they reported (#{report_id}) is not triaged yet")
