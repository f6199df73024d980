"""Soft rules: a warning the technician may pass only with a written reason."""

from __future__ import annotations

from smp_hygiene.errors import WarningNeedsAcknowledgement
from smp_hygiene.models import SafetyOverride, TreatmentSession, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.sessions.locks import lock_session


def acknowledge(
    session: TreatmentSession, user: User, code: str, message: str, reason: str | None
) -> SafetyOverride:
    """Go on only with a reason; it is kept on the record, shown to the client and audited."""
    lock_session(session)
    if not (reason and reason.strip()):
        raise WarningNeedsAcknowledgement(message + " To continue, give a reason.", code=code)
    override = SafetyOverride(
        code=code, message=message, reason=reason.strip(), acknowledged_by=user
    )
    session.overrides.append(override)
    chain.record(user, "warning.acknowledged", override)
    return override
