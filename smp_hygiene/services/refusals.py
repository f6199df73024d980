"""Refusals at the chair, kept so the auditor sees what the rules stopped."""

from __future__ import annotations

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import Refusal, User


def record_refusal(
    user: User, error: DomainError, raw_input: str = "", session_id: int | None = None
) -> Refusal:
    """Keep one refused action; the caller has rolled back the action itself first."""
    refusal = Refusal(
        clinic_id=user.clinic_id,
        user_id=user.id,
        session_id=session_id,
        reason=type(error).__name__[:60],
        message=str(error),
        raw_input=raw_input[:2000],
    )
    db.session.add(refusal)
    db.session.flush()
    return refusal
