"""Double-submit guard for chair forms: each form nonce is acted on once."""

from __future__ import annotations

from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import FormSubmission, User


def find_submission(nonce: str) -> FormSubmission | None:
    """The earlier handling of this form, if it was already committed."""
    if not nonce:
        return None
    return db.session.scalar(select(FormSubmission).where(FormSubmission.nonce == nonce))


def claim_submission(nonce: str, user: User, result_url: str) -> None:
    """Mark the form handled in the caller's transaction; a concurrent twin fails on the
    unique nonce and rolls back whole."""
    if not nonce:
        return
    db.session.add(FormSubmission(nonce=nonce[:64], user_id=user.id, result_url=result_url))
    db.session.flush()
