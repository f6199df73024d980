"""The compliance dashboard: one read-only summary of a clinic over a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import selectinload

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    ChecklistAnswer,
    ChecklistItem,
    Clinic,
    FollowUp,
    LotStatus,
    ProblemReport,
    ReactionSignal,
    Refusal,
    SessionStatus,
    SupplyLot,
    TreatmentSession,
    User,
)
from smp_hygiene.services.aftercare import checkins
from smp_hygiene.services.reactions import inbox as problem_reports
from smp_hygiene.services.reactions import queries as reactions
from smp_hygiene.services.reactions import signal_decisions
from smp_hygiene.services.recalls import queries as recalls
from smp_hygiene.services.sterilisation import spore_tests
from smp_hygiene.services.supplies import stock as shelf

EXPIRY_WINDOW_DAYS = 30


@dataclass(frozen=True)
class TechnicianActivity:
    """One technician's sessions in the period and how many had the whole checklist ticked."""

    technician: User
    sessions: int
    completed: int
    voided: int
    checklist_complete: int

    @property
    def checklist_percent(self) -> int | None:
        return round(100 * self.checklist_complete / self.sessions) if self.sessions else None


@dataclass(frozen=True)
class ExpiringLot:
    lot: SupplyLot
    expires_on: date  # the earlier of the lot's expiry and its sterility expiry
    days_left: int


@dataclass(frozen=True)
class Dashboard:
    clinic: Clinic
    start: datetime
    end: datetime
    checklist_items: int
    technicians: list[TechnicianActivity]
    refusals: list[tuple[str, int]]
    expiring: list[ExpiringLot]
    batch_problems: list[reactions.BatchProblem]
    pending_notices: list[AdverseReaction]  # R24: health-department notices not yet sent
    open_recalls: list[recalls.RecallProgress]
    overdue_spore_tests: list[spore_tests.OverdueSporeTest]
    stock: shelf.StockFlags  # products low, lots expiring or past their date: see the stock view
    # After the chair: reports waiting in the inbox, signals waiting for a decision, flagged
    # check-ins waiting for a call.
    inbox: list[ProblemReport]
    open_signals: list[ReactionSignal]
    flagged: list[FollowUp]


def build_dashboard(clinic: Clinic, start: datetime, end: datetime, now: datetime) -> Dashboard:
    """Everything the dashboard shows, for sessions and refusals in [start, end)."""
    items, activity = technician_activity(clinic, start, end)
    return Dashboard(
        clinic=clinic,
        start=start,
        end=end,
        checklist_items=items,
        technicians=activity,
        refusals=refusals_by_reason(clinic, start, end),
        expiring=expiring_lots(clinic, now.date()),
        batch_problems=reactions.batch_problem_lots(clinic),
        pending_notices=reactions.list_pending_notices(clinic),
        open_recalls=_open_recalls(clinic),
        overdue_spore_tests=_overdue_spore_tests(clinic, now),
        stock=shelf.stock_flags(clinic, now),
        inbox=problem_reports.list_inbox(clinic),
        open_signals=signal_decisions.list_open_signals(clinic),
        flagged=checkins.list_flagged(clinic),
    )


def _active_items(clinic: Clinic):
    return select(ChecklistItem.id).where(
        ChecklistItem.clinic_id == clinic.id, ChecklistItem.is_active
    )


def technician_activity(
    clinic: Clinic, start: datetime, end: datetime
) -> tuple[int, list[TechnicianActivity]]:
    """Sessions per technician, and how many answered every active checklist item.

    Checklist items carry no retirement date, so the clinic's current active list is the
    measure: a session counts as complete when it answered all of them.
    """
    active = select(func.count()).select_from(_active_items(clinic).subquery())
    n_items = db.session.scalar(active) or 0  # a count is never NULL; typed so it is an int
    answered = (
        select(ChecklistAnswer.session_id, func.count(distinct(ChecklistAnswer.item_id)).label("n"))
        .where(ChecklistAnswer.item_id.in_(_active_items(clinic)))
        .group_by(ChecklistAnswer.session_id)
        .subquery()
    )
    status = TreatmentSession.status
    live = status != SessionStatus.VOIDED
    full = and_(live, func.coalesce(answered.c.n, 0) >= n_items)
    rows = db.session.execute(
        select(
            TreatmentSession.technician_id,
            func.sum(case((live, 1), else_=0)),
            func.sum(case((status == SessionStatus.COMPLETED, 1), else_=0)),
            func.sum(case((status == SessionStatus.VOIDED, 1), else_=0)),
            func.sum(case((full, 1), else_=0)),
        )
        .outerjoin(answered, answered.c.session_id == TreatmentSession.id)
        .where(
            TreatmentSession.clinic_id == clinic.id,
            TreatmentSession.started_at >= start,
            TreatmentSession.started_at < end,
        )
        .group_by(TreatmentSession.technician_id)
    ).all()
    ids = [row[0] for row in rows]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    activity = [TechnicianActivity(users[row[0]], *row[1:]) for row in rows]
    return n_items, sorted(activity, key=lambda a: a.technician.name.lower())


def refusals_by_reason(clinic: Clinic, start: datetime, end: datetime) -> list[tuple[str, int]]:
    """How often the chair said no in the period, per reason, most frequent first."""
    count = func.count(Refusal.id)
    rows = db.session.execute(
        select(Refusal.reason, count)
        .where(Refusal.clinic_id == clinic.id, Refusal.at >= start, Refusal.at < end)
        .group_by(Refusal.reason)
        .order_by(count.desc(), Refusal.reason)
    ).all()
    return [(reason, n) for reason, n in rows]


def expiring_lots(clinic: Clinic, today: date, days: int = EXPIRY_WINDOW_DAYS) -> list[ExpiringLot]:
    """Usable lots whose expiry or sterility expiry falls within `days` (or has passed)."""
    limit = today + timedelta(days=days)
    lots = db.session.scalars(
        select(SupplyLot)
        .where(
            SupplyLot.clinic_id == clinic.id,
            SupplyLot.status == LotStatus.AVAILABLE,
            or_(SupplyLot.expiry_date <= limit, SupplyLot.sterility_expiry <= limit),
        )
        .options(selectinload(SupplyLot.product))
    )
    expiring = []
    for lot in lots:
        expires_on = min(d for d in (lot.expiry_date, lot.sterility_expiry) if d is not None)
        expiring.append(ExpiringLot(lot, expires_on, (expires_on - today).days))
    return sorted(expiring, key=lambda e: (e.expires_on, e.lot.lot_number))


def _open_recalls(clinic: Clinic) -> list[recalls.RecallProgress]:
    return recalls.list_open_recalls(clinic)


def _overdue_spore_tests(clinic: Clinic, now: datetime) -> list[spore_tests.OverdueSporeTest]:
    return spore_tests.overdue_spore_tests(clinic, now)
