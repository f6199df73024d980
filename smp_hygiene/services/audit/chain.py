"""The append-only audit trail: every clinical change writes an entry to its clinic's chain,
linked to the entry before by SHA-256 (docs/audit-chain.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from hashlib import sha256
from typing import Any

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session, SessionTransaction

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AuditEntry,
    Client,
    Clinic,
    Recall,
    Steriliser,
    SteriliserCycle,
    TreatmentSession,
    User,
)
from smp_hygiene.timeutil import utcnow

GENESIS = "0" * 64
# First half of the two-int PostgreSQL advisory lock key; the second half is the clinic id.
CHAIN_LOCK_SPACE = 7_212_001


def json_default(value: Any) -> Any:
    """What the canonical form writes for a value JSON has no type for (times, enums)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot put {type(value).__name__} in an audit entry")


def _canonical_encoder() -> Callable[[Any], str]:
    """json.dumps with the canonical options, minus its set-up on every call (a new encoder
    each time, as long as encoding a chain entry takes): CPython's C encoder, made once with
    exactly the arguments JSONEncoder.encode gives it, or the JSONEncoder itself elsewhere."""
    encoder = json.JSONEncoder(
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=json_default
    )
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    c_encode = make(
        None,  # no cycle check: the canonical values are plain data, built fresh
        encoder.default,
        json.encoder.encode_basestring,  # ensure_ascii=False
        None,  # indent
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )
    return lambda value: "".join(c_encode(value, 0))


_ENCODE = _canonical_encoder()


def canonical(value: Any) -> str:
    """One byte-exact JSON form, so a hash computed today is recomputed identically later."""
    return _ENCODE(value)


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of a model instance, as the audit trail stores them."""
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def record(
    actor: User | None,
    action: str,
    entity: Any,
    before: dict | None = None,
    after: dict | None = None,
    clinic_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the chain of the clinic the entity belongs to, in the caller's
    transaction, so change and trail land together."""
    db.session.flush()  # the entity needs its id before we name it
    clinic_id = clinic_id if clinic_id is not None else clinic_of(entity)
    lock_clinic_chain(clinic_id)
    entry = AuditEntry(
        clinic_id=clinic_id,
        at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        entity_type=type(entity).__name__,
        entity_id=str(inspect(entity).identity[0]),
        before=canonical(before),
        after=canonical(after if after is not None else snapshot(entity)),
        prev_hash=_tail_hash(clinic_id),
    )
    entry.entry_hash = entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    _tails()[clinic_id] = entry.entry_hash
    return entry


def clinic_of(entity: Any) -> int:
    """The clinic whose chain records a change to `entity`: its own `clinic_id`, or its parent's."""
    if isinstance(entity, Clinic):
        return entity.id
    if getattr(entity, "clinic_id", None) is not None:
        return entity.clinic_id
    for attribute, parent_model in _PARENTS:
        parent_id = getattr(entity, attribute, None)
        if parent_id is not None:
            return clinic_of(db.session.get(parent_model, parent_id))
    raise TypeError(
        f"cannot tell which clinic a {type(entity).__name__} belongs to: pass clinic_id"
    )


# Entities without a clinic_id reach their clinic through one of these parents, in this order.
_PARENTS: tuple[tuple[str, type], ...] = (
    ("session_id", TreatmentSession),
    ("steriliser_id", Steriliser),
    ("cycle_id", SteriliserCycle),
    ("client_id", Client),
    ("recall_id", Recall),
)


def entry_hash(entry: AuditEntry | Any) -> str:
    """SHA-256 over the canonical form of every field that tells what happened, and where (of
    an entry, or of anything with its attributes: a row, a record about to be written)."""
    return hash_fields(
        entry.clinic_id,
        entry.prev_hash,
        entry.at,
        entry.actor_id,
        entry.actor_label,
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.before,
        entry.after,
    )


# The canonical body of an entry: these keys, for hash_fields' arguments in this order.
ENTRY_KEYS = (
    "clinic_id",
    "prev",
    "at",
    "actor_id",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
)


def hash_fields(
    clinic_id: int,
    prev_hash: str,
    at: datetime | str,
    actor_id: int | None,
    actor_label: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: str,
    after: str,
) -> str:
    """`entry_hash` of an entry read as plain values; `at` may be its ISO text already, which
    is what the canonical form writes for the datetime."""
    values = (clinic_id, prev_hash, at, actor_id, actor_label, action)
    body = dict(zip(ENTRY_KEYS, (*values, entity_type, entity_id, before, after), strict=True))
    return sha256(_ENCODE(body).encode()).hexdigest()


# This transaction's own chain work, per clinic: the tail it wrote last, and the lock it holds.
# Once a transaction has appended to a clinic's chain it holds that chain (the advisory lock on
# PostgreSQL, the write lock on SQLite) until it ends, so nobody else can have appended since:
# a completion writing three entries reads the tail once and locks once. Forgotten whenever a
# transaction or savepoint ends, so a rolled-back entry is never taken for the tail.
_TAILS, _LOCKED = "audit_chain_tails", "audit_chain_locked"


def _tails() -> dict[int, str]:
    return db.session.info.setdefault(_TAILS, {})


@event.listens_for(Session, "after_transaction_end")
def _forget_chain_work(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None and not transaction.nested:
        return  # a flush's own inner transaction, not the end of ours or of a savepoint
    session.info.pop(_TAILS, None)
    session.info.pop(_LOCKED, None)


def _tail_hash(clinic_id: int) -> str:
    if clinic_id in _tails():
        return _tails()[clinic_id]
    last = db.session.scalars(
        select(AuditEntry.entry_hash)
        .where(AuditEntry.clinic_id == clinic_id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    return last or GENESIS


def lock_clinic_chain(clinic_id: int) -> None:
    """On PostgreSQL, one clinic's writers queue here (until commit) instead of colliding on
    the unique (clinic_id, prev_hash); other clinics' writers take other locks and never wait."""
    locked = db.session.info.setdefault(_LOCKED, set())
    if clinic_id not in locked and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:space AS integer), CAST(:clinic AS integer))"),
            {"space": CHAIN_LOCK_SPACE, "clinic": clinic_id},
        )
    locked.add(clinic_id)
