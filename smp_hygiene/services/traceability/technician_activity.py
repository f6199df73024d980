"""A technician's activity for the auditor: sessions with checklist completion, and refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    ChecklistAnswer,
    ChecklistItem,
    Clinic,
    Refusal,
    TreatmentSession,
    User,
)
from smp_hygiene.services.listing import ordering, page_args, within_period
from smp_hygiene.services.people.permissions import CHAIR_ROLES
from smp_hygiene.services.traceability.lots import SESSION_SORTS


def list_technicians(clinic: Clinic) -> list[User]:
    """Who the by-technician search offers: everyone who treats (the technician role), and anyone
    who treated here once and has since changed role, since their sessions are still on record.
    Auditors and admins who never treated have nothing to show, so they are not offered."""
    treated = select(TreatmentSession.technician_id).where(TreatmentSession.clinic_id == clinic.id)
    found = select(User).where(
        User.clinic_id == clinic.id, or_(User.role.in_(CHAIR_ROLES), User.id.in_(treated))
    )
    return list(db.session.scalars(found.order_by(User.email)))


@dataclass(frozen=True)
class TechnicianSession:
    """A technician's session with how much of the hygiene checklist was ticked."""

    session: TreatmentSession
    answered: int
    expected: int

    @property
    def completion(self) -> int:
        """Percent of the clinic's active checklist items ticked in this session."""
        if not self.expected:
            return 100
        return min(100, round(100 * self.answered / self.expected))


def technician_sessions(
    clinic: Clinic,
    technician: User,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    per_page: int | None = 50,
) -> Pagination:
    """A technician's sessions over a period, each with its checklist completion."""
    answered = _answered_count()
    sorts = {**SESSION_SORTS, "completion": answered}
    query = (
        select(TreatmentSession)
        .join(TreatmentSession.client)
        .join(TreatmentSession.technician)
        .options(
            contains_eager(TreatmentSession.client), contains_eager(TreatmentSession.technician)
        )
        .where(TreatmentSession.clinic_id == clinic.id)
        .where(TreatmentSession.technician_id == technician.id)
        .order_by(*ordering(sorts, sort, descending, TreatmentSession.id))
    )
    query = within_period(query, TreatmentSession.started_at, date_from, date_to)
    found = db.paginate(query, **page_args(page, per_page))
    found.items = _with_completion(clinic, found.items)
    return found


def _with_completion(clinic: Clinic, sessions: list[TreatmentSession]) -> list[TechnicianSession]:
    """Each session with its ticks and the clinic's active item count, in two grouped queries
    (db.paginate yields one entity per row, so the counts cannot ride along in the page query)."""
    counts = dict(
        db.session.execute(
            select(ChecklistAnswer.session_id, func.count(ChecklistAnswer.id))
            .where(ChecklistAnswer.session_id.in_([s.id for s in sessions]))
            .group_by(ChecklistAnswer.session_id)
        ).all()
    )
    expected = db.session.scalar(
        select(func.count(ChecklistItem.id)).where(
            ChecklistItem.clinic_id == clinic.id, ChecklistItem.is_active.is_(True)
        )
    )
    return [TechnicianSession(s, counts.get(s.id, 0), expected or 0) for s in sessions]


def _answered_count():
    """The number of checklist ticks of each session in the outer query, as a sortable column."""
    return (
        select(func.count(ChecklistAnswer.id))
        .where(ChecklistAnswer.session_id == TreatmentSession.id)
        .correlate(TreatmentSession)
        .scalar_subquery()
        .label("answered")
    )


REFUSAL_SORTS = {"date": Refusal.at, "reason": Refusal.reason}


def technician_refusals(
    clinic: Clinic,
    technician: User,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    per_page: int | None = 50,
) -> Pagination:
    """What the rules refused to a technician at the chair over a period."""
    query = (
        select(Refusal)
        .where(Refusal.clinic_id == clinic.id, Refusal.user_id == technician.id)
        .order_by(*ordering(REFUSAL_SORTS, sort, descending, Refusal.id))
    )
    return db.paginate(
        within_period(query, Refusal.at, date_from, date_to), **page_args(page, per_page)
    )
