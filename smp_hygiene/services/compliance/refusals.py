"""The chair's refusals for the auditor: every one of a kind over a period, newest first."""

from __future__ import annotations

from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, Refusal
from smp_hygiene.services.listing import page_args


def list_refusals(
    clinic: Clinic,
    start: datetime,
    end: datetime,
    reason: str = "",
    page: int = 1,
    per_page: int | None = 50,
) -> Pagination:
    """Refusals in [start, end), of one kind (the rule's class name) or of every kind: the same
    period and kinds the dashboard counts, so its numbers and this list agree."""
    query = (
        select(Refusal)
        .options(joinedload(Refusal.user))
        .where(Refusal.clinic_id == clinic.id, Refusal.at >= start, Refusal.at < end)
        .order_by(Refusal.at.desc(), Refusal.id.desc())
    )
    if reason:
        query = query.where(Refusal.reason == reason)
    return db.paginate(query, **page_args(page, per_page))


def refusal_kinds(clinic: Clinic) -> list[str]:
    """Every kind of refusal the clinic has on record, for the filter."""
    found = select(Refusal.reason).where(Refusal.clinic_id == clinic.id).distinct()
    return sorted(db.session.scalars(found))
