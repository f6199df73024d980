"""Shared tablets: an admin trusts a device for the clinic, and can revoke it.

A trusted device holds a random token in a long-lived cookie; only its SHA-256 is stored. The
token names the clinic whose technicians may switch in on it by PIN (services/people/pins.py);
it signs nobody in by itself.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from smp_hygiene.errors import InvalidInput, NotFound
from smp_hygiene.extensions import db
from smp_hygiene.models import SharedDevice, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions
from smp_hygiene.timeutil import utcnow

MAX_TOKEN_LENGTH = 100  # a cookie longer than any we issue is not one of ours


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def trust_device(admin: User, name: str) -> tuple[SharedDevice, str]:
    """Trust the admin's current device as the clinic's shared tablet; the token is returned
    once, for the cookie, and never stored."""
    permissions.require(
        permissions.can_administer(admin), "Only an admin can set up a shared tablet."
    )
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Name the tablet (up to 100 characters), e.g. “Chair 2 tablet”.")
    token = secrets.token_urlsafe(32)
    device = SharedDevice(
        clinic_id=admin.clinic_id, name=name, token_hash=_digest(token), trusted_by=admin
    )
    db.session.add(device)
    chain.record(admin, "device.trusted", device, after={"name": name})
    return device, token


def find_device(token: str | None) -> SharedDevice | None:
    """The trusted, unrevoked device this cookie value belongs to, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    device = db.session.scalar(
        select(SharedDevice).where(SharedDevice.token_hash == _digest(token))
    )
    if device is None or device.revoked_at is not None:
        return None
    return device


def list_devices(admin: User) -> list[SharedDevice]:
    """The clinic's shared tablets, trusted ones first, newest first."""
    rows = db.session.scalars(
        select(SharedDevice)
        .where(SharedDevice.clinic_id == admin.clinic_id)
        .order_by(SharedDevice.revoked_at.is_not(None), SharedDevice.created_at.desc())
    )
    return list(rows)


def revoke_device(admin: User, device: SharedDevice) -> None:
    """Stop a tablet from offering PIN sign-in (lost, stolen, replaced); PIN sessions already
    open on it end at their next request."""
    permissions.require(permissions.can_administer(admin), "Only an admin can revoke a tablet.")
    if device.clinic_id != admin.clinic_id:
        raise NotFound("There is no such tablet.")
    if device.revoked_at is not None:
        raise InvalidInput(f"{device.name} is already revoked.")
    device.revoked_at = utcnow()
    chain.record(admin, "device.revoked", device, after={"name": device.name})
