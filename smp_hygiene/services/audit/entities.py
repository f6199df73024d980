"""Every record the audit trail names still exists, unless the trail records its lawful erasure.

The database answers per kind of record (an anti-join over the trail's entity index), so a trail
of millions of entries is checked without reading it into Python; only what is missing comes
back. Kinds whose key is not a single integer are checked one record at a time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Integer, String, case, cast, exists, func, inspect, select
from sqlalchemy.orm import aliased

from smp_hygiene.extensions import Base, db
from smp_hygiene.models import AuditEntry, Clinic

# A record the chain says was lawfully erased may be gone. Retention anonymises a client in
# place today (the row stays), so its check passes either way.
ERASING_ACTIONS = frozenset({"client.anonymised"})


@dataclass
class NamedRecords:
    """One kind of record the trail names: how many, and those gone (at most `limit`)."""

    entity_type: str
    named: int
    missing: list[tuple[str, int]] = field(default_factory=list)  # (entity id, first entry)


def named_kinds() -> list[tuple[str, int]]:
    """Each kind of record the trail names, with how many distinct records of it."""
    named = select(AuditEntry.entity_type, func.count(AuditEntry.entity_id.distinct()))
    return [
        (kind, count) for kind, count in db.session.execute(named.group_by(AuditEntry.entity_type))
    ]


def check_kind(entity_type: str, named: int, limit: int) -> NamedRecords:
    """The records of one kind that the trail names and that are gone without an erasure."""
    model = _models().get(entity_type)
    keys: list[Any] = list(inspect(model).primary_key) if model is not None else []
    if len(keys) != 1 or not isinstance(keys[0].type, Integer):
        return NamedRecords(entity_type, named, _missing_one_by_one(model, entity_type, limit))
    entry, erasure = aliased(AuditEntry), aliased(AuditEntry)
    present = exists().where(keys[0] == integer_key(entry.entity_id))
    erased = exists().where(
        erasure.entity_type == entry.entity_type,
        erasure.entity_id == entry.entity_id,
        erasure.action.in_(ERASING_ACTIONS),
    )
    missing = (
        select(entry.entity_id, func.min(entry.id))
        .where(entry.entity_type == entity_type, ~present, ~erased)
        .group_by(entry.entity_id)
    )
    # No LIMIT in the SQL: PostgreSQL then plans for finding a few missing records fast, and
    # probes the whole index one record at a time when (as it should be) none is missing.
    found = db.session.execute(missing)
    gone = [(entity_id, first) for entity_id, first in found.fetchmany(limit)]
    found.close()
    return NamedRecords(entity_type, named, gone)


def integer_key(text: Any) -> Any:
    """The entity id as the integer it spells in plain decimal, else NULL (never an error)."""
    as_integer = cast(text, BigInteger)
    if db.session.get_bind().dialect.name == "postgresql":
        return case((text.regexp_match("^(0|-?[1-9][0-9]{0,17})$"), as_integer))
    return case((cast(as_integer, String) == text, as_integer))


def _models() -> dict[str, Any]:
    return {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}


def _missing_one_by_one(model: Any, entity_type: str, limit: int) -> list[tuple[str, int]]:
    erased = func.max(case((AuditEntry.action.in_(ERASING_ACTIONS), 1), else_=0))
    named = (
        select(AuditEntry.entity_id, func.min(AuditEntry.id), erased)
        .where(AuditEntry.entity_type == entity_type)
        .group_by(AuditEntry.entity_id)
    )
    gone = []
    for entity_id, first_entry, was_erased in db.session.execute(named):
        if not was_erased and not _present(model, entity_id):
            gone.append((entity_id, first_entry))
        if len(gone) >= limit:
            break
    return gone


def _present(model: Any, entity_id: str) -> bool:
    if model is None:
        return False
    try:
        key = inspect(model).primary_key[0].type.python_type(entity_id)
    except (ValueError, NotImplementedError):
        return False
    return db.session.get(model, key) is not None


def gone(entity_type: str, entity_id: str, first_entry: int) -> str:
    """The problem of one record the trail named that is no longer there."""
    entry = db.session.get(AuditEntry, first_entry)
    clinic = clinic_of(entry) if entry else "clinic unknown"
    noun = re.sub(r"(?<!^)(?=[A-Z])", " ", entity_type).lower()
    return (
        f"{clinic}: {noun} #{entity_id} is missing but the audit trail recorded it "
        f"(entry {first_entry}, {entry.action if entry else 'unknown'})"
    )


def clinic_of(entry: Any) -> str:
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
