"""Read side of adverse reactions: notice deadlines, lists, batch problems, the report (R7, R24)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, distinct, func, select, union_all
from sqlalchemy.orm import selectinload

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    ChecklistAnswer,
    ChecklistItem,
    Clinic,
    InstrumentPack,
    PackUse,
    PatchTest,
    SafetyOverride,
    SteriliserCycle,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
)
from smp_hygiene.services.audit import verifying
from smp_hygiene.timeutil import utcnow


@dataclass(frozen=True)
class BatchProblem:
    """A lot used on more than one client who then reacted: possibly a bad batch."""

    lot: SupplyLot
    clients: int
    reactions: int


def notice_deadline(reaction: AdverseReaction) -> datetime | None:
    """When the health-department notice is due: the clinic's hours after it learned (R24)."""
    hours = reaction.clinic.reaction_notice_hours
    if hours is None:
        return None
    return reaction.reported_at + timedelta(hours=hours)


def is_notice_overdue(reaction: AdverseReaction, now: datetime | None = None) -> bool:
    """A notice is overdue when it is due, past its deadline and not yet recorded."""
    deadline = notice_deadline(reaction)
    if deadline is None or reaction.reported_to_authority_at is not None:
        return False
    return (now or utcnow()) > deadline


def find_reaction(clinic: Clinic, reaction_id: int) -> AdverseReaction | None:
    """A reaction of this clinic, or None (another clinic's reaction is not found either)."""
    reaction = db.session.get(AdverseReaction, reaction_id)
    return reaction if reaction and reaction.clinic_id == clinic.id else None


def reactions_query(clinic: Clinic) -> Select:
    """The clinic's reactions with session, client and reporter, newest first."""
    return (
        select(AdverseReaction)
        .where(AdverseReaction.clinic_id == clinic.id)
        .options(
            selectinload(AdverseReaction.session).selectinload(TreatmentSession.client),
            selectinload(AdverseReaction.session).selectinload(TreatmentSession.technician),
            selectinload(AdverseReaction.reported_by),
            selectinload(AdverseReaction.clinic),
        )
        .order_by(AdverseReaction.reported_at.desc(), AdverseReaction.id.desc())
    )


def list_reactions(clinic: Clinic, page: int = 1, per_page: int = 50) -> Pagination:
    """One page of the clinic's reactions, newest first, with session, client and reporter."""
    return db.paginate(reactions_query(clinic), page=page, per_page=per_page, error_out=False)


def all_reactions(clinic: Clinic) -> list[AdverseReaction]:
    """Every reaction of the clinic, newest first, for the CSV export."""
    return list(db.session.scalars(reactions_query(clinic)))


def list_pending_notices(clinic: Clinic) -> list[AdverseReaction]:
    """Reactions whose health-department notice is due and not yet recorded, oldest first."""
    if clinic.reaction_notice_hours is None:
        return []
    return list(
        db.session.scalars(
            reactions_query(clinic)
            .where(AdverseReaction.reported_to_authority_at.is_(None))
            .order_by(None)
            .order_by(AdverseReaction.reported_at, AdverseReaction.id)
        )
    )


def _session_lot_links():
    """(session_id, lot_id) for every lot a session used: the scanned lot and any diluent."""
    return union_all(
        select(SupplyUse.session_id, SupplyUse.lot_id.label("lot_id")),
        select(SupplyUse.session_id, SupplyUse.diluent_lot_id.label("lot_id")).where(
            SupplyUse.diluent_lot_id.is_not(None)
        ),
    ).subquery()


def reaction_lots(reaction: AdverseReaction) -> list[tuple[str, SupplyLot]]:
    """Every lot used in the reaction's session, as (role, lot), each lot once."""
    seen: dict[int, tuple[str, SupplyLot]] = {}
    for use in reaction.session.uses:
        seen.setdefault(use.lot.id, (use.lot.product.kind.label, use.lot))
        if use.diluent_lot is not None:
            seen.setdefault(use.diluent_lot.id, ("Diluent", use.diluent_lot))
    return list(seen.values())


def batch_problem_lots(clinic: Clinic) -> list[BatchProblem]:
    """Lots with reactions in more than one distinct client: a possible batch problem."""
    links = _session_lot_links()
    clients = func.count(distinct(TreatmentSession.client_id))
    rows = db.session.execute(
        select(links.c.lot_id, clients, func.count(distinct(AdverseReaction.id)))
        .join(TreatmentSession, TreatmentSession.id == links.c.session_id)
        .join(AdverseReaction, AdverseReaction.session_id == TreatmentSession.id)
        .where(AdverseReaction.clinic_id == clinic.id)
        .group_by(links.c.lot_id)
        .having(clients > 1)
    ).all()
    lots = db.session.scalars(
        select(SupplyLot)
        .where(SupplyLot.id.in_([row[0] for row in rows]))
        .options(selectinload(SupplyLot.product))
    )
    by_id = {lot.id: lot for lot in lots}
    problems = [BatchProblem(by_id[lot_id], n_clients, n) for lot_id, n_clients, n in rows]
    return sorted(problems, key=lambda p: (-p.clients, p.lot.lot_number))


@dataclass(frozen=True)
class ReactionReport:
    """Everything a health-department notice or an ANSM report needs, for one reaction."""

    reaction: AdverseReaction
    lots: list[tuple[str, SupplyLot]]
    checklist: list[ChecklistAnswer]
    checklist_missing: list[str]
    patch_tests: list[PatchTest]
    overrides: list[SafetyOverride]
    packs: list[PackUse]
    notice_due_at: datetime | None
    chain: verifying.ChainReport
    generated_at: datetime

    @property
    def session(self) -> TreatmentSession:
        return self.reaction.session


def reaction_report(reaction: AdverseReaction, now: datetime | None = None) -> ReactionReport:
    """Gather the session, its lots, practitioner and conditions for one reaction's report."""
    session = reaction.session
    answered = {answer.item_id for answer in session.answers}
    active = db.session.scalars(
        select(ChecklistItem)
        .where(ChecklistItem.clinic_id == session.clinic_id, ChecklistItem.is_active)
        .order_by(ChecklistItem.position)
    )
    patch_tests = {use.patch_test.id: use.patch_test for use in session.uses if use.patch_test}
    return ReactionReport(
        reaction=reaction,
        lots=reaction_lots(reaction),
        checklist=list(session.answers),
        checklist_missing=[item.text for item in active if item.id not in answered],
        patch_tests=list(patch_tests.values()),
        overrides=list(session.overrides),
        packs=_session_packs(session),
        notice_due_at=notice_deadline(reaction),
        chain=verifying.verify_clinic_chain(reaction.clinic),
        generated_at=now or utcnow(),
    )


def _session_packs(session: TreatmentSession) -> list[PackUse]:
    """The sterilised instrument packs opened in this session, with their cycle and steriliser."""
    return list(
        db.session.scalars(
            select(PackUse)
            .where(PackUse.session_id == session.id)
            .options(
                selectinload(PackUse.pack)
                .selectinload(InstrumentPack.cycle)
                .selectinload(SteriliserCycle.steriliser)
            )
            .order_by(PackUse.used_at, PackUse.id)
        )
    )
