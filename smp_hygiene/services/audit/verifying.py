"""Walking a clinic's chain: in full (the CLI), or from the last verified checkpoint (the pages)."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, ChainCheckpoint, Clinic
from smp_hygiene.services.audit.chain import GENESIS, entry_hash
from smp_hygiene.timeutil import utcnow


@dataclass(frozen=True)
class ChainReport:
    """What one walk of one clinic's chain found; `entries` counts from the chain's start."""

    clinic_id: int
    clinic: str
    entries: int
    head_id: int | None = None
    head_hash: str = GENESIS
    broken_at: int | None = None
    problem: str = ""
    checked: int = 0  # entries hashed by this walk (fewer than `entries` after a checkpoint)

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.problem


@dataclass(frozen=True)
class _Start:
    entries: int = 0
    after_id: int = 0
    prev_hash: str = GENESIS


def verify_clinic_chain(clinic: Clinic, full: bool = False) -> ChainReport:
    """Walk the clinic's chain from its stored verified checkpoint (or from the start when
    `full`); name the first entry whose link or content does not match."""
    start = _Start() if full else _stored_start(clinic)
    if isinstance(start, ChainReport):
        return start
    count, prev, head_id, checked = start.entries, start.prev_hash, None, 0
    for entry in _entries_after(clinic.id, start.after_id):
        count, checked = count + 1, checked + 1
        problem = _link_problem(entry, prev)
        if problem:
            return ChainReport(clinic.id, clinic.name, count, head_id, prev, entry.id, problem)
        prev, head_id = entry.entry_hash, entry.id
    head_id = head_id if head_id is not None else (start.after_id or None)
    return ChainReport(clinic.id, clinic.name, count, head_id, prev, checked=checked)


# Entries are read in pages of this many, by id: memory stays flat however long the chain, and no
# server-side cursor is held open between pages (nor left open when a walk stops at a break).
PAGE = 5_000
_HASHED = (
    AuditEntry.id,
    AuditEntry.clinic_id,
    AuditEntry.prev_hash,
    AuditEntry.entry_hash,
    AuditEntry.at,
    AuditEntry.actor_id,
    AuditEntry.actor_label,
    AuditEntry.action,
    AuditEntry.entity_type,
    AuditEntry.entity_id,
    AuditEntry.before,
    AuditEntry.after,
)


def _entries_after(clinic_id: int, after_id: int) -> Generator[Any]:
    """The clinic's entries in chain order, as plain rows (no ORM objects), a page at a time."""
    while True:
        page = db.session.execute(
            select(*_HASHED)
            .where(AuditEntry.clinic_id == clinic_id, AuditEntry.id > after_id)
            .order_by(AuditEntry.id)
            .limit(PAGE)
        ).all()
        yield from page
        if len(page) < PAGE:
            return
        after_id = page[-1].id


def _link_problem(entry: Any, expected_prev: str) -> str:
    if entry.prev_hash != expected_prev:
        return f"entry {entry.id} does not follow the one before it: a row was deleted or reordered"
    if entry_hash(entry) != entry.entry_hash:
        return f"entry {entry.id} was changed after it was written"
    return ""


def _stored_start(clinic: Clinic) -> _Start | ChainReport:
    """Where the last full or incremental walk stopped, re-checked cheaply: the entry is still
    there with the same hash, and as many entries lead up to it."""
    mark = find_checkpoint(clinic)
    if mark is None:
        return _Start()
    head = db.session.get(AuditEntry, mark.entry_id)
    before = count_entries_up_to(clinic.id, mark.entry_id)
    if head is None or head.entry_hash != mark.head_hash or before != mark.entries:
        return ChainReport(
            clinic.id,
            clinic.name,
            before,
            broken_at=mark.entry_id,
            problem=f"entry {mark.entry_id}, verified on {mark.verified_at:%Y-%m-%d %H:%M}, "
            "was changed or removed, or entries before it were",
        )
    return _Start(mark.entries, mark.entry_id, mark.head_hash)


def count_entries_up_to(clinic_id: int, entry_id: int) -> int:
    """How many of the clinic's entries sit at or before `entry_id`: its position in the chain."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.clinic_id == clinic_id, AuditEntry.id <= entry_id)
        )
        or 0
    )


def find_checkpoint(clinic: Clinic) -> ChainCheckpoint | None:
    """The clinic's stored verified checkpoint, if its chain was ever walked intact."""
    return db.session.scalars(
        select(ChainCheckpoint).where(ChainCheckpoint.clinic_id == clinic.id)
    ).first()


def remember_verified(report: ChainReport) -> None:
    """Move the clinic's stored checkpoint to the head an intact walk reached."""
    if not report.ok or report.head_id is None:
        return
    mark = db.session.scalars(
        select(ChainCheckpoint).where(ChainCheckpoint.clinic_id == report.clinic_id)
    ).first() or ChainCheckpoint(clinic_id=report.clinic_id)
    mark.entry_id, mark.entries, mark.head_hash = report.head_id, report.entries, report.head_hash
    mark.verified_at = utcnow()
    db.session.add(mark)


def verify_every_clinic(full: bool = True) -> Iterator[ChainReport]:
    """Every clinic's chain walked, one report per clinic: in full from its genesis, or from
    its stored verified checkpoint (re-checked first) when not `full`."""
    for clinic in list(db.session.scalars(select(Clinic).order_by(Clinic.id))):
        yield verify_clinic_chain(clinic, full=full)
