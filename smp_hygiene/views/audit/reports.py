"""What every printed report of the auditor's workspace carries, whichever feature prints it."""

from __future__ import annotations

from flask_login import current_user

from smp_hygiene.services.audit import verifying
from smp_hygiene.timeutil import utcnow


def report_context(title: str, period: str, **context) -> dict:
    """Clinic, title, period, when and by whom, and the audit chain's state, for the template."""
    return dict(
        clinic=current_user.clinic,
        title=title,
        period=period,
        generated_at=utcnow(),
        generated_by=current_user,
        chain=verifying.verify_clinic_chain(current_user.clinic),
        **context,
    )
