"""The database checked against its audit trail: what the chain says happened is still so.

The chain proves its own entries are untouched; this proves the records they describe are too.
A session the chain sealed must still be there, still completed (or voided by a later entry),
holding the digest the chain recorded, which a fresh recomputation must also give; a session
holding a seal must have a `session.completed` entry. Every record the chain names must still
exist, unless the chain also records its lawful erasure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, exists, select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, TreatmentSession
from smp_hygiene.services.audit import entities, seal_pass
from smp_hygiene.services.audit.runners import Runner, run_serially
from smp_hygiene.services.audit.seal_pass import COMPLETED, VOIDED, SealPass

MAX_PROBLEMS = seal_pass.MAX_PROBLEMS  # enough to see a pattern; the first one is what to chase


@dataclass(frozen=True)
class CrossCheckReport:
    completions: int
    entities: int
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def cross_check(sealed: SealPass | None = None, run: Runner = run_serially) -> CrossCheckReport:
    """Compare the database with what the audit trail says happened; list what no longer holds,
    each problem naming its clinic and the session or entry. `sealed` is the pass over the
    sealed sessions when the caller made it already (it also answers the seal check)."""
    sealed = sealed or seal_pass.check_sealed_sessions(run)
    kinds = run(entities.check_kind, [(*kind, MAX_PROBLEMS) for kind in entities.named_kinds()])
    missing_sessions = [
        entity_id
        for kind in kinds
        if kind.entity_type == "TreatmentSession"
        for entity_id, _ in kind.missing
    ]
    orphans = [*_unsealed_but_completed(), *_missing_but_completed(missing_sessions)]
    problems = [
        *sealed.problems,
        *orphans,
        *(entities.gone(kind.entity_type, *gone) for kind in kinds for gone in kind.missing),
    ]
    return CrossCheckReport(
        sealed.completions + len(orphans),
        sum(kind.named for kind in kinds),
        tuple(problems[:MAX_PROBLEMS]),
    )


def _unsealed_but_completed() -> list[str]:
    """Sessions holding no seal that a `session.completed` entry sealed (reset behind the
    app's back): what each such entry says against the session as it is now."""
    completed = select(AuditEntry.id).where(
        AuditEntry.action == COMPLETED,
        AuditEntry.entity_type == "TreatmentSession",
        AuditEntry.entity_id == cast(TreatmentSession.id, String),
    )
    unsealed = db.session.scalars(
        select(TreatmentSession)
        .where(TreatmentSession.sealed_digest.is_(None), exists(completed))
        .order_by(TreatmentSession.id)
        .limit(MAX_PROBLEMS)
    )
    problems = []
    for session in unsealed:
        entries = _trail_about(str(session.id))
        last_void = max((e.id for e in entries if e.action == VOIDED), default=0)
        for entry in entries:
            # A session without a seal cannot match one: every such entry is a problem.
            problem = seal_pass.completion_problem(entry, session, last_void, matches=False)
            if entry.action == COMPLETED and problem:
                problems.append(problem)
    return problems


def _missing_but_completed(session_ids: list[str]) -> list[str]:
    """Sessions gone from the database that a `session.completed` entry sealed."""
    problems = []
    for session_id in session_ids:
        for entry in _trail_about(session_id):
            if entry.action == COMPLETED:
                sealed = f"the audit trail sealed it on {entry.at:%Y-%m-%d} (entry {entry.id})"
                problems.append(
                    f"{entities.clinic_of(entry)}: session #{session_id} is missing but {sealed}"
                )
    return problems


def _trail_about(session_id: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.entity_type == "TreatmentSession",
                AuditEntry.entity_id == session_id,
                AuditEntry.action.in_((COMPLETED, VOIDED)),
            )
            .order_by(AuditEntry.id)
        )
    )
