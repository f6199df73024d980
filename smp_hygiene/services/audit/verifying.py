"""Walking a clinic's chain: in full (the CLI), or from the last verified checkpoint (the pages)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, ChainCheckpoint, Clinic
from smp_hygiene.services.audit import chain_walk
from smp_hygiene.services.audit.chain import GENESIS
from smp_hygiene.services.audit.chain_walk import Walk
from smp_hygiene.services.audit.runners import Runner, id_ranges, run_serially
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
    state = Walk(start.prev_hash, start.after_id)
    chain_walk.walk(chain_walk.pages(start.after_id, clinic_id=clinic.id), {clinic.id: state})
    return _report(clinic.id, clinic.name, start, [state])


def _report(clinic_id: int, name: str, start: _Start, walks: list[Walk]) -> ChainReport:
    """One clinic's report from the walks of consecutive ranges of its chain."""
    count, head_id, head_hash = start.entries, start.after_id or None, start.prev_hash
    for state in walks:
        count += state.count
        if state.broken_at is not None:
            head_id = state.head_id if state.head_id is not None else head_id
            return ChainReport(
                clinic_id, name, count, head_id, state.prev, state.broken_at, state.problem
            )
        if state.head_id is not None:
            head_id, head_hash = state.head_id, state.head_hash
    return ChainReport(clinic_id, name, count, head_id, head_hash, checked=count - start.entries)


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


def verify_every_clinic(full: bool = True, run: Runner = run_serially) -> Iterator[ChainReport]:
    """Every clinic's chain walked, one report per clinic: in full from its genesis, or from
    its stored verified checkpoint (re-checked first) when not `full`. The walk reads the
    entries once in id order, in ranges that `run` may walk side by side."""
    clinics = db.session.scalars(select(Clinic).order_by(Clinic.id)).all()
    starts = {c.id: _Start() if full else _stored_start(c) for c in clinics}
    walking = {i: start for i, start in starts.items() if isinstance(start, _Start)}
    ranges = run(walk_range, [(lo, hi, walking) for lo, hi in _ranges(walking)])
    for clinic in clinics:
        start = starts[clinic.id]
        if isinstance(start, ChainReport):
            yield start
        else:
            walked = [part[clinic.id] for part in ranges if clinic.id in part]
            yield _report(clinic.id, clinic.name, start, walked)


# Entry ids per range of a walk of every chain: small enough to share out between processes,
# large enough that each range's start-up (a query per clinic) is noise.
RANGE = 200_000


def _ranges(starts: dict[int, _Start]) -> list[tuple[int, int]]:
    last = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    firsts = [_first_walked(clinic_id, start) for clinic_id, start in starts.items()]
    lo = min((first for first in firsts if first is not None), default=last)
    return id_ranges(lo, last, RANGE)


def _first_walked(clinic_id: int, start: _Start) -> int | None:
    """The id just before the clinic's first entry still to walk: where its walk starts."""
    if start.after_id:
        return start.after_id
    first = db.session.scalar(
        select(func.min(AuditEntry.id)).where(AuditEntry.clinic_id == clinic_id)
    )
    return None if first is None else first - 1


def walk_range(after_id: int, up_to: int, starts: dict[int, _Start]) -> dict[int, Walk]:
    """Walk every clinic's entries with ids in (after_id, up_to]: each clinic's first entry there
    must follow its entry before the range (or its start), as in one walk from the start."""
    walks = {
        clinic_id: Walk(_prev_before(clinic_id, after_id, start), start.after_id)
        for clinic_id, start in starts.items()
        if start.after_id < up_to
    }
    chain_walk.walk(chain_walk.pages(after_id, up_to), walks)
    return walks


def _prev_before(clinic_id: int, after_id: int, start: _Start) -> str:
    if start.after_id >= after_id:
        return start.prev_hash
    last = db.session.scalars(
        select(AuditEntry.entry_hash)
        .where(AuditEntry.clinic_id == clinic_id, AuditEntry.id <= after_id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    return last or GENESIS
