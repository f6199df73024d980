"""Who may do what: the one place blueprints, services and templates ask.

A record's reviewer is never its maker: technicians treat, auditors and admins review, and only
admins configure the clinic or change a sealed record's standing (void, replace a card).
"""

from __future__ import annotations

from smp_hygiene.errors import NotAllowed
from smp_hygiene.models import Role, User

CHAIR_ROLES = frozenset({Role.TECHNICIAN})
AUDIT_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})
ADMIN_ROLES = frozenset({Role.ADMIN})
# The shelf is everyone's business: technicians use it, admins reorder, auditors check dates.
STOCK_ROLES = frozenset({Role.TECHNICIAN, Role.ADMIN, Role.AUDITOR})


def can_treat(user: User) -> bool:
    """Work at the chair: start sessions, scan, sign checklists."""
    return user.role in CHAIR_ROLES


def can_audit(user: User) -> bool:
    """Read the audit workspace and act on recalls, reactions and sterilisation records."""
    return user.role in AUDIT_ROLES


def can_administer(user: User) -> bool:
    """Configure the clinic, its logins and keys; void a record; replace a card."""
    return user.role in ADMIN_ROLES


def require(allowed: bool, message: str) -> None:
    """Refuse with `message` unless the caller's check said yes."""
    if not allowed:
        raise NotAllowed(message)
