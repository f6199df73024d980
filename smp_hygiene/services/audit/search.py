"""Reading the audit trail: filters for the auditor's log view and its CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic, User


@dataclass(frozen=True)
class AuditFilter:
    """Every field is optional; `end` is exclusive."""

    actor_id: int | None = None
    entity_type: str = ""
    entity_id: str = ""
    start: datetime | None = None
    end: datetime | None = None


def _entries(clinic: Clinic, wanted: AuditFilter) -> Select:
    stmt = select(AuditEntry).where(AuditEntry.clinic_id == clinic.id)
    if wanted.actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == wanted.actor_id)
    if wanted.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == wanted.entity_type)
    if wanted.entity_id:
        stmt = stmt.where(AuditEntry.entity_id == wanted.entity_id)
    if wanted.start is not None:
        stmt = stmt.where(AuditEntry.at >= wanted.start)
    if wanted.end is not None:
        stmt = stmt.where(AuditEntry.at < wanted.end)
    return stmt


def search_entries(
    clinic: Clinic, wanted: AuditFilter, page: int = 1, per_page: int = 50
) -> Pagination:
    """One page of the clinic's audit entries matching the filter, newest first."""
    stmt = _entries(clinic, wanted).order_by(AuditEntry.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def iter_entries(clinic: Clinic, wanted: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry in chain order, streamed in batches for the CSV export."""
    stmt = _entries(clinic, wanted).order_by(AuditEntry.id)
    yield from db.session.scalars(stmt.execution_options(yield_per=1000))


def entity_types() -> list[str]:
    """The kinds of thing the trail has entries for, for the filter's drop-down."""
    return list(
        db.session.scalars(
            select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)
        )
    )


def list_actors(clinic: Clinic) -> list[User]:
    """The clinic's staff, for the actor filter."""
    return list(
        db.session.scalars(select(User).where(User.clinic_id == clinic.id).order_by(User.email))
    )
