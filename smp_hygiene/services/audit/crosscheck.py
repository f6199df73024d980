"""The database checked against its audit trail: what the chain says happened is still so.

The chain proves its own entries are untouched; this proves the records they describe are too.
A session the chain sealed must still be there, still completed (or voided by a later entry),
holding the digest the chain recorded, which a fresh recomputation must also give. Every
record the chain names must still exist, unless the chain also records its lawful erasure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Row, String, case, cast, exists, func, inspect, select

from smp_hygiene.extensions import Base, db
from smp_hygiene.models import AuditEntry, Clinic, SessionStatus, TreatmentSession
from smp_hygiene.services.sessions import seal_loading, sealing
from smp_hygiene.services.sessions.seal_loading import SealInputs

COMPLETED, VOIDED = "session.completed", "session.voided"
# A record the chain says was lawfully erased may be gone. Retention anonymises a client in
# place today (the row stays), so its check passes either way.
ERASING_ACTIONS = frozenset({"client.anonymised"})
MAX_PROBLEMS = 20  # enough to see a pattern; the first one is what to chase
BATCH = 500


@dataclass(frozen=True)
class CrossCheckReport:
    completions: int
    entities: int
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def cross_check() -> CrossCheckReport:
    """Compare the database with what the audit trail says happened; list what no longer holds,
    each problem naming its clinic and the session or entry."""
    problems: list[str] = []
    completions = _collect(check_completions(), problems)
    _collect(check_unwitnessed_seals(), problems)
    entities = _collect(check_entities(), problems)
    return CrossCheckReport(completions, entities, tuple(problems))


def _collect(findings: Generator[str | None], problems: list[str]) -> int:
    """Count what was checked, keeping the problems; stop once enough are known."""
    checked = 0
    for problem in findings:
        checked += 1
        if problem:
            problems.append(problem)
        if len(problems) >= MAX_PROBLEMS:
            findings.close()  # its streamed query's cursor with it
            break
    return checked


def check_completions() -> Generator[str | None]:
    """Each `session.completed` entry against the session it sealed: None where it holds."""
    last_voids = (
        select(AuditEntry.entity_id, func.max(AuditEntry.id))
        .where(AuditEntry.action == VOIDED, AuditEntry.entity_type == "TreatmentSession")
        .group_by(AuditEntry.entity_id)
    )
    voids = {entity_id: entry_id for entity_id, entry_id in db.session.execute(last_voids)}
    entries = (
        select(AuditEntry)
        .where(AuditEntry.action == COMPLETED, AuditEntry.entity_type == "TreatmentSession")
        .order_by(AuditEntry.id)
        .execution_options(yield_per=BATCH)
    )
    with db.session.scalars(entries) as streamed:
        for batch in streamed.partitions():
            sessions = _sessions([entry.entity_id for entry in batch])
            known = seal_loading.seal_inputs(list(sessions.values()))
            for entry in batch:
                session = sessions.get(entry.entity_id)
                yield _completion_problem(entry, session, voids.get(entry.entity_id, 0), known)


def check_unwitnessed_seals() -> Generator[str]:
    """A session holding a seal that no `session.completed` entry witnessed was sealed (or
    forged) behind the app's back: the trail is what makes a seal a seal."""
    witnessed = select(AuditEntry.id).where(
        AuditEntry.action == COMPLETED,
        AuditEntry.entity_type == "TreatmentSession",
        AuditEntry.entity_id == cast(TreatmentSession.id, String),
    )
    forged = (
        select(TreatmentSession)
        .where(TreatmentSession.sealed_digest.is_not(None), ~exists(witnessed))
        .order_by(TreatmentSession.id)
        .limit(MAX_PROBLEMS)
    )
    for session in db.session.scalars(forged):
        yield (
            f"{sealing.clinic_label(session)}: session #{session.id} carries a seal that no "
            "entry of the audit trail records"
        )


def _sessions(entity_ids: list[str]) -> dict[str, TreatmentSession]:
    ids = [int(i) for i in entity_ids if i.isascii() and i.isdigit()]
    found = db.session.scalars(
        select(TreatmentSession)
        .where(TreatmentSession.id.in_(ids))
        .options(*seal_loading.SEALED_WITH)
    ).unique()
    return {str(session.id): session for session in found}


def _completion_problem(
    entry: AuditEntry, session: TreatmentSession | None, last_void: int, known: SealInputs
) -> str | None:
    sealed = f"the audit trail sealed it on {entry.at:%Y-%m-%d} (entry {entry.id})"
    name = f"session #{entry.entity_id}"
    if session is None:
        return f"{_clinic_of(entry)}: {name} is missing but {sealed}"
    clinic = sealing.clinic_label(session)
    if session.status is SessionStatus.IN_PROGRESS:
        return f"{clinic}: {name} is in progress but {sealed}"
    if session.status is SessionStatus.VOIDED and last_void < entry.id:
        return f"{clinic}: {name} is voided but no void follows the seal: {sealed}"
    if session.sealed_digest != _digest_in(entry):
        return f"{clinic}: {name} holds a digest other than the one {sealed}"
    if not sealing.seal_matches(session, known):
        return f"{clinic}: {name} no longer matches the digest {sealed}"
    return None


def _digest_in(entry: AuditEntry) -> str | None:
    after = json.loads(entry.after)
    return after.get("sealed_digest") if isinstance(after, dict) else None


def check_entities() -> Generator[str | None]:
    """Every record the trail names still exists, unless it records its lawful erasure."""
    models = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}
    erased = func.max(case((AuditEntry.action.in_(ERASING_ACTIONS), 1), else_=0))
    named = (
        select(AuditEntry.entity_type, AuditEntry.entity_id, func.min(AuditEntry.id), erased)
        .group_by(AuditEntry.entity_type, AuditEntry.entity_id)
        .order_by(AuditEntry.entity_type, AuditEntry.entity_id)
        .execution_options(yield_per=BATCH)
    )
    with db.session.execute(named) as streamed:
        for batch in streamed.partitions():
            for entity_type, rows in groupby(batch, key=lambda row: row[0]):
                yield from _missing(models.get(entity_type), entity_type, list(rows))


def _missing(model: Any, entity_type: str, rows: Sequence[Row]) -> Iterator[str | None]:
    """None for each record still present or lawfully erased, a problem for each one gone."""
    wanted: dict[Any, tuple[str, int]] = {}
    for _, entity_id, first_entry, was_erased in rows:
        if was_erased:
            yield None
        elif model is not None and (key := _key(model, entity_id)) is not None:
            wanted[key] = (entity_id, first_entry)
        else:
            yield _gone(entity_type, entity_id, first_entry)
    if not wanted:
        return
    pk = inspect(model).primary_key[0]
    present = set(db.session.scalars(select(pk).where(pk.in_(list(wanted)))))
    for key, (entity_id, first_entry) in wanted.items():
        yield None if key in present else _gone(entity_type, entity_id, first_entry)


def _key(model: Any, entity_id: str) -> Any:
    try:
        return inspect(model).primary_key[0].type.python_type(entity_id)
    except (ValueError, NotImplementedError):
        return None


def _gone(entity_type: str, entity_id: str, first_entry: int) -> str:
    entry = db.session.get(AuditEntry, first_entry)
    clinic = _clinic_of(entry) if entry else "clinic unknown"
    noun = re.sub(r"(?<!^)(?=[A-Z])", " ", entity_type).lower()
    return (
        f"{clinic}: {noun} #{entity_id} is missing but the audit trail recorded it "
        f"(entry {first_entry}, {entry.action if entry else 'unknown'})"
    )


def _clinic_of(entry: AuditEntry) -> str:
    """The clinic an entry concerns: its own clinic_id where the chain keeps one, else the
    clinic_id (or the session's) that the trail recorded about the same record."""
    clinic_id = getattr(entry, "clinic_id", None)
    clinic_id = clinic_id or _clinic_in_trail(entry.entity_type, entry.entity_id)
    clinic = db.session.get(Clinic, clinic_id) if clinic_id else None
    return f"clinic {clinic.id} ({clinic.name})" if clinic else "clinic unknown"


def _clinic_in_trail(entity_type: str, entity_id: str, depth: int = 0) -> int | None:
    about = select(AuditEntry.after, AuditEntry.before).where(
        AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id
    )
    for texts in db.session.execute(about.order_by(AuditEntry.id)):
        for text in texts:
            recorded = json.loads(text)
            if not isinstance(recorded, dict):
                continue
            if recorded.get("clinic_id"):
                return recorded["clinic_id"]
            if recorded.get("session_id") and depth == 0:
                return _clinic_in_trail("TreatmentSession", str(recorded["session_id"]), 1)
    return None
