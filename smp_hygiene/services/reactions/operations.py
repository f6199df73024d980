"""Write side of adverse reactions: logging one, and recording the health-department notice (R24).

The read side lives in reactions.queries and is re-exported here, so callers use one module, as
recalls.operations does for recalls.queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from smp_hygiene.errors import AlreadyExists, InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    ReactionSeverity,
    ReactionStatus,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain as audit_log
from smp_hygiene.services.people import permissions
from smp_hygiene.services.reactions import signals
from smp_hygiene.services.reactions.queries import (
    BatchProblem,
    ReactionReport,
    all_reactions,
    batch_problem_lots,
    find_reaction,
    is_notice_overdue,
    list_pending_notices,
    list_reactions,
    notice_deadline,
    reaction_lots,
    reaction_report,
)
from smp_hygiene.timeutil import format_local, utcnow

__all__ = [
    "BatchProblem",
    "ReactionInput",
    "ReactionReport",
    "all_reactions",
    "batch_problem_lots",
    "find_reaction",
    "is_notice_overdue",
    "list_pending_notices",
    "list_reactions",
    "log_reaction",
    "notice_deadline",
    "reaction_lots",
    "reaction_report",
    "record_authority_notice",
    "when",
]


@dataclass(frozen=True)
class ReactionInput:
    """What the reporter tells us; `reported_at` is when the clinic learned of it (default now)."""

    onset_at: datetime
    signs: str
    severity: ReactionSeverity
    actions_taken: str = ""
    reported_at: datetime | None = None


def when(moment: datetime, zone: str | None = None) -> str:
    """A moment to the minute: on the clinic's clock (named) for people, in UTC for exports."""
    if zone is None:
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"{format_local(moment, zone)} ({zone})"


def log_reaction(
    session: TreatmentSession, actor: User, data: ReactionInput, now: datetime | None = None
) -> AdverseReaction:
    """Log a reaction against a session of the actor's own clinic; any role may report one.
    Its lots are then checked for an early-warning signal across clients."""
    now = now or utcnow()
    if actor.clinic_id != session.clinic_id:
        raise NotAllowed("You can only log reactions for sessions of your own clinic.")
    # A voided session is still logged against: the record was voided, but the client may
    # well have been treated (an interrupted session), as traceability.trace_lot_number assumes.
    reported_at = data.reported_at or now
    _check_times(session, data.onset_at, reported_at, now)
    if not data.signs.strip():
        raise InvalidInput("Describe the signs of the reaction (e.g. redness, swelling, pus).")
    reaction = AdverseReaction(
        clinic_id=session.clinic_id,
        session=session,
        reported_by=actor,
        reported_at=reported_at,
        onset_at=data.onset_at,
        signs=data.signs.strip(),
        severity=data.severity,
        actions_taken=data.actions_taken.strip(),
    )
    db.session.add(reaction)
    audit_log.record(actor, "reaction.logged", reaction)
    signals.check_signals(reaction, now)
    return reaction


def _check_times(
    session: TreatmentSession, onset_at: datetime, reported_at: datetime, now: datetime
) -> None:
    if onset_at > now:
        raise InvalidInput("The onset of the reaction cannot be in the future.")
    zone = session.clinic.timezone
    if onset_at < session.started_at:
        raise InvalidInput(
            f"The onset ({when(onset_at, zone)}) is before session {session.id} started "
            f"({when(session.started_at, zone)})."
        )
    if reported_at > now:
        raise InvalidInput("The time the clinic learned of the reaction cannot be in the future.")
    if reported_at < onset_at:
        raise InvalidInput("The clinic cannot have learned of the reaction before its onset.")


def record_authority_notice(
    reaction: AdverseReaction,
    actor: User,
    sent_at: datetime,
    reference: str,
    now: datetime | None = None,
) -> None:
    """Record the health-department notice (R24); an auditor or admin of the clinic does this."""
    now = now or utcnow()
    permissions.require(
        permissions.can_audit(actor) and actor.clinic_id == reaction.clinic_id,
        "Only an auditor or admin of this clinic can record the notice.",
    )
    if reaction.reported_to_authority_at is not None:
        raise AlreadyExists(
            f"The notice for reaction {reaction.id} was already recorded "
            f"({when(reaction.reported_to_authority_at, reaction.clinic.timezone)}, "
            f"ref {reaction.authority_reference})."
        )
    if sent_at > now or sent_at < reaction.onset_at:
        raise InvalidInput("The notice must be dated between the onset and now.")
    if not reference.strip():
        raise InvalidInput("Give the health department's reference, or who took the notice.")
    before = audit_log.snapshot(reaction)
    reaction.reported_to_authority_at = sent_at
    reaction.authority_reference = reference.strip()
    reaction.status = ReactionStatus.REPORTED
    audit_log.record(actor, "reaction.reported_to_authority", reaction, before=before)
