"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smp_hygiene.models.base import Model, UTCDateTime
from smp_hygiene.timeutil import utcnow


class AuditEntry(Model):
    """One change to clinical data; `entry_hash` chains it to the entry before."""

    __table_args__ = (Index("ix_audit_entry_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(200))  # survives the user's retirement
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60))
    before: Mapped[str] = mapped_column(Text, default="null")  # canonical JSON
    after: Mapped[str] = mapped_column(Text, default="null")
    # Unique: two writers who read the same tail cannot both append; one fails and retries.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
