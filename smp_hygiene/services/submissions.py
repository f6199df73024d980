"""Acting once on a write sent twice: chair forms by their nonce, API writes by the
Idempotency-Key the caller sends."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from smp_hygiene.errors import IdempotencyKeyReused
from smp_hygiene.extensions import db
from smp_hygiene.models import ApiSubmission, FormSubmission, User
from smp_hygiene.timeutil import utcnow

# How long an API answer is kept for a retry: long enough for any client's retry loop, short
# enough that stored answers (which may name clients) do not pile up.
API_KEY_LIFETIME = timedelta(hours=24)


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


def find_api_answer(user: User, key: str, fingerprint: str) -> ApiSubmission | None:
    """The answer already given to this key, if any; the same key on a different request is
    refused, since replaying the first answer would hide that the second was never done."""
    found = db.session.scalar(
        select(ApiSubmission).where(ApiSubmission.user_id == user.id, ApiSubmission.key == key)
    )
    if found is None or found.fingerprint == fingerprint:
        return found
    raise IdempotencyKeyReused(
        "This Idempotency-Key was already used for a different request: "
        "send a new key for a new request."
    )


def claim_api_key(user: User, key: str, fingerprint: str, now: datetime | None = None):
    """Claim the key first thing in the caller's transaction. A concurrent retry with the same
    key waits on the unique (user, key) and then fails, rolling back whole; its caller then
    finds and replays this request's answer."""
    now = now or utcnow()
    db.session.execute(
        delete(ApiSubmission).where(
            ApiSubmission.user_id == user.id, ApiSubmission.at < now - API_KEY_LIFETIME
        )
    )
    claim = ApiSubmission(user_id=user.id, key=key, fingerprint=fingerprint, at=now)
    db.session.add(claim)
    db.session.flush()
    return claim


def keep_api_answer(claim: ApiSubmission, status_code: int, body: str) -> None:
    """Store the answer with the claim, so it commits (or not) with the change itself."""
    claim.status_code, claim.response_body = status_code, body
    db.session.flush()
