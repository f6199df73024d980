"""One pass over the sealed sessions: each seal recomputed once, and held against the audit
trail's `session.completed` entry for it, in batches read as plain rows.

The pass answers two checks of `audit-verify` together: every sealed record still matches its
digest (sealing.verify_seals' question), and every seal matches what the trail says was sealed
(the cross-check's). Sessions are walked in ranges of ids that can be checked side by side.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, SessionStatus, TreatmentSession
from smp_hygiene.services.audit.runners import Runner, id_ranges, run_serially
from smp_hygiene.services.sessions import seal_loading, seal_rows, sealing

COMPLETED, VOIDED = "session.completed", "session.voided"
MAX_PROBLEMS = 20  # enough to see a pattern; the first one is what to chase
BATCH = 1_000  # sessions read and checked at a time: a few queries each, memory flat
RANGE = 50_000  # session ids per range handed to a worker


@dataclass
class SealPass:
    """What a pass (or a range of it) found: sealed sessions checked, the first whose seal no
    longer matches, completion entries held against their sessions, and the problems."""

    checked: int = 0
    broken_session_id: int | None = None
    broken: str = ""
    completions: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, later: SealPass) -> None:
        self.checked += later.checked
        self.completions += later.completions
        if self.broken_session_id is None:
            self.broken_session_id, self.broken = later.broken_session_id, later.broken
        self.problems.extend(later.problems[: MAX_PROBLEMS - len(self.problems)])

    @property
    def done(self) -> bool:
        return self.broken_session_id is not None and len(self.problems) >= MAX_PROBLEMS


def check_sealed_sessions(run: Runner = run_serially) -> SealPass:
    """Every sealed session, whatever its status, checked against its digest and its trail."""
    last = db.session.scalar(select(func.max(TreatmentSession.id))) or 0
    found = SealPass()
    for part in run(check_range, id_ranges(0, last, RANGE)):
        found.add(part)
    return found


def check_range(after_id: int, up_to: int) -> SealPass:
    """The sealed sessions with ids in (after_id, up_to]."""
    found = SealPass()
    for batch in seal_rows.sealed_batches(after_id, up_to, BATCH):
        known = seal_loading.seal_inputs(batch)
        trail = _trail_of(batch)
        for session in batch:
            _check(session, sealing.seal_matches(session, known), trail[session.id], found)
        if found.done:
            break
    return found


def _check(session: Any, matches: bool, entries: list[Any], found: SealPass) -> None:
    found.checked += 1
    if not matches and found.broken_session_id is None:
        found.broken_session_id, found.broken = session.id, sealing.seal_problem(session)
    completions = [entry for entry in entries if entry.action == COMPLETED]
    last_void = max((entry.id for entry in entries if entry.action == VOIDED), default=0)
    problems = [completion_problem(entry, session, last_void, matches) for entry in completions]
    if not completions:
        problems.append(
            f"{sealing.clinic_label(session)}: session #{session.id} carries a seal that no "
            "entry of the audit trail records"
        )
    found.completions += len(completions)
    for problem in problems:
        if problem and len(found.problems) < MAX_PROBLEMS:
            found.problems.append(problem)


def _trail_of(batch: list[Any]) -> dict[int, list[Any]]:
    """The completion and void entries about the batch's sessions, by session id (without
    their times: only a problem's message needs one)."""
    by_id = {str(session.id): session.id for session in batch}
    entries = db.session.connection().execute(
        select(AuditEntry.id, AuditEntry.action, AuditEntry.entity_id, AuditEntry.after).where(
            AuditEntry.entity_type == "TreatmentSession",
            AuditEntry.entity_id.in_(bindparam("ids", expanding=True)),
            AuditEntry.action.in_((COMPLETED, VOIDED)),
        ),
        {"ids": list(by_id)},
    )
    found: dict[int, list[Any]] = defaultdict(list)
    for entry in entries.all():
        found[by_id[entry.entity_id]].append(entry)
    return found


def completion_problem(entry: Any, session: Any, last_void: int, matches: bool) -> str | None:
    """Why the session no longer is what the `session.completed` entry sealed, or None."""
    if session.status is SessionStatus.IN_PROGRESS:
        problem = "is in progress but"
    elif session.status is SessionStatus.VOIDED and last_void < entry.id:
        problem = "is voided but no void follows the seal:"
    elif session.sealed_digest != digest_in(entry):
        problem = "holds a digest other than the one"
    elif not matches:
        problem = "no longer matches the digest"
    else:
        return None
    at = db.session.scalar(select(AuditEntry.at).where(AuditEntry.id == entry.id))
    return (
        f"{sealing.clinic_label(session)}: session #{entry.entity_id} {problem} the audit trail "
        f"sealed it on {at:%Y-%m-%d} (entry {entry.id})"
    )


def digest_in(entry: Any) -> str | None:
    """The digest a `session.completed` entry recorded."""
    after = json.loads(entry.after)
    return after.get("sealed_digest") if isinstance(after, dict) else None
