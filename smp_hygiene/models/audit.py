"""The append-only, hash-chained audit trail: one chain per clinic."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smp_hygiene.models.base import Model, UTCDateTime
from smp_hygiene.timeutil import utcnow


class AuditEntry(Model):
    """One change to clinical data; `entry_hash` chains it to its clinic's entry before."""

    __table_args__ = (
        Index("ix_audit_entry_entity", "entity_type", "entity_id"),
        # The clinic's tail is its highest id: this index finds it without a scan.
        Index("ix_audit_entry_clinic_chain", "clinic_id", "id"),
        # Two writers who read the same tail cannot both append; one fails and retries.
        UniqueConstraint("clinic_id", "prev_hash", name="uq_audit_entry_clinic_prev_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(200))  # survives the user's retirement
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60))
    before: Mapped[str] = mapped_column(Text, default="null")  # canonical JSON
    after: Mapped[str] = mapped_column(Text, default="null")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class ChainCheckpoint(Model):
    """How far a clinic's chain was last walked and found intact, so the next walk starts there.

    A shortcut for the auditor's pages, not evidence: whoever can write the database can move it.
    The evidence is the signed checkpoint file (services/audit/checkpoints.py).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), unique=True)
    entry_id: Mapped[int] = mapped_column(Integer)  # no FK: a deleted head must not cascade
    entries: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
