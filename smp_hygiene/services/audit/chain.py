"""The append-only audit trail: every clinical change writes an entry chained by SHA-256."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import inspect, select, text

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, User
from smp_hygiene.timeutil import utcnow

GENESIS = "0" * 64
_CHAIN_LOCK = 7_212_001  # PostgreSQL advisory lock id that serialises appends


def canonical(value: Any) -> str:
    """One byte-exact JSON form, so a hash computed today is recomputed identically later."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot put {type(value).__name__} in an audit entry")


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of a model instance, as the audit trail stores them."""
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def record(
    actor: User | None,
    action: str,
    entity: Any,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction, so change and trail land together."""
    db.session.flush()  # the entity needs its id before we name it
    _lock_chain()
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        entity_type=type(entity).__name__,
        entity_id=str(inspect(entity).identity[0]),
        before=canonical(before),
        after=canonical(after if after is not None else snapshot(entity)),
        prev_hash=_tail_hash(),
    )
    entry.entry_hash = entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the canonical form of every field that tells what happened."""
    body = {
        "prev": entry.prev_hash,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "actor": entry.actor_label,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
    }
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def _tail_hash() -> str:
    last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    return last.entry_hash if last else GENESIS


def _lock_chain() -> None:
    """On PostgreSQL, writers queue here instead of colliding on the unique prev_hash."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain() -> ChainReport:
    """Walk the chain in order; name the first entry whose link or content does not match."""
    expected_prev, count = GENESIS, 0
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        count += 1
        if entry.prev_hash != expected_prev:
            return ChainReport(
                count,
                entry.id,
                f"entry {entry.id} does not follow the one "
                "before it: a row was deleted or reordered",
            )
        if entry_hash(entry) != entry.entry_hash:
            return ChainReport(
                count, entry.id, f"entry {entry.id} was changed after it was written"
            )
        expected_prev = entry.entry_hash
    return ChainReport(count)
