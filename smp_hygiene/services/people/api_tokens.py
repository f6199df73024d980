"""API tokens: an admin issues one to a login of the clinic, and can revoke it.

A token acts as its user: the same clinic, the same role, the same rules. It is random, shown
once when made, and only its SHA-256 is stored, so a copy of the database holds no usable token.
A revoked token, or the token of a deactivated login, opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from smp_hygiene.errors import InvalidInput, NotFound
from smp_hygiene.extensions import db
from smp_hygiene.models import ApiToken, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions
from smp_hygiene.timeutil import utcnow

PREFIX = "smph_"  # tells a leaked token for what it is, e.g. to a secret scanner
MAX_TOKEN_LENGTH = 100
# Reads note the token's use at most this often, so reading is not a write every time.
TOUCH_INTERVAL = timedelta(minutes=5)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(admin: User, owner: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token acting as `owner`; the secret is returned once and never stored."""
    permissions.require(permissions.can_administer(admin), "Only an admin can issue API tokens.")
    if owner.clinic_id != admin.clinic_id:
        raise NotFound("There is no such login in your clinic.")
    if not owner.is_active_user:
        raise InvalidInput(f"{owner.name} is deactivated: reactivate the login first.")
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Name the token (up to 100 characters), e.g. “Autoclave logger”.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=owner, name=name, token_hash=_digest(secret), created_by=admin)
    db.session.add(token)
    chain.record(admin, "api_token.created", token, after=_public(token), clinic_id=owner.clinic_id)
    return token, secret


def revoke_token(admin: User, token: ApiToken, now: datetime | None = None) -> None:
    """Stop a token at once: its next request is refused."""
    permissions.require(permissions.can_administer(admin), "Only an admin can revoke API tokens.")
    if token.user.clinic_id != admin.clinic_id:
        raise NotFound("There is no such API token.")
    if token.revoked_at is not None:
        raise InvalidInput(f"The token “{token.name}” is already revoked.")
    before = _public(token)
    token.revoked_at = now or utcnow()
    chain.record(
        admin, "api_token.revoked", token, before=before, after=_public(token),
        clinic_id=admin.clinic_id,
    )  # fmt: skip


def find_token(secret: str | None) -> ApiToken | None:
    """The live token behind a bearer secret: not revoked, its login still active; else None."""
    if not secret or len(secret) > MAX_TOKEN_LENGTH or not secret.isascii():
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active_user:
        return None
    return token


def list_tokens(admin: User) -> list[ApiToken]:
    """The clinic's tokens, live ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .join(ApiToken.user)
            .where(User.clinic_id == admin.clinic_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def is_due_a_touch(token: ApiToken, now: datetime | None = None) -> bool:
    """Reads note the token's use at most once per TOUCH_INTERVAL."""
    now = now or utcnow()
    return token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL


def touch(token_id: int, now: datetime | None = None) -> None:
    """Note a read with the token: one UPDATE, so on SQLite it can open its own write."""
    db.session.execute(
        update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now or utcnow())
    )


def note_write(token: ApiToken, operation: str, now: datetime | None = None) -> None:
    """A write made with the token is audited as such, beside the change it made, in the same
    transaction: the trail then tells which writes came through which integration."""
    token.last_used_at = now or utcnow()
    after = _public(token) | {"operation": operation}
    chain.record(token.user, "api_token.used", token, after=after, clinic_id=token.user.clinic_id)


def _public(token: ApiToken) -> dict:
    """What the audit trail keeps of a token: never its hash."""
    return {
        "name": token.name,
        "user_id": token.user.id,
        "revoked_at": token.revoked_at,
    }
