"""Each clinic's aftercare settings: follow-up days and the early-warning thresholds."""

from __future__ import annotations

from sqlalchemy import select

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import AftercareSettings, Clinic, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions

DEFAULTS = {
    "follow_up_days": "3,7,28",
    "itching_flag_days": 5,
    "lot_signal_threshold": 2,
    "product_signal_threshold": 3,
    "signal_window_days": 30,
}
MAX_FOLLOW_UP_DAY = 90


def settings_for(clinic: Clinic) -> AftercareSettings:
    """The clinic's aftercare settings, or an unsaved row holding the defaults."""
    found = db.session.scalar(select(AftercareSettings).filter_by(clinic_id=clinic.id))
    return found or AftercareSettings(clinic_id=clinic.id, **DEFAULTS)


def parse_days(text: str) -> str:
    """ "3, 7, 28" as the stored "3,7,28"; empty means no follow-ups at all."""
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise InvalidInput("Follow-up days: whole numbers separated by commas, e.g. 3, 7, 28.")
    days = sorted({int(part) for part in parts})
    if any(not 1 <= day <= MAX_FOLLOW_UP_DAY for day in days):
        raise InvalidInput(f"Follow-up days must be 1 to {MAX_FOLLOW_UP_DAY} after the session.")
    return ",".join(str(day) for day in days)


def update_settings(clinic: Clinic, actor: User, **values) -> AftercareSettings:
    """Save the aftercare settings (admins only); audited with before and after."""
    permissions.require(
        permissions.can_administer(actor) and actor.clinic_id == clinic.id,
        "Only the clinic's admins can change the aftercare settings.",
    )
    values["follow_up_days"] = parse_days(values["follow_up_days"])
    _check_ranges(values)
    settings = settings_for(clinic)
    before = chain.snapshot(settings) if settings.id else None
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.add(settings)
    chain.record(actor, "aftercare_settings.updated", settings, before=before)
    return settings


def _check_ranges(values: dict) -> None:
    if not 1 <= values["itching_flag_days"] <= 60:
        raise InvalidInput("Itching is flagged after 1 to 60 days.")
    if not 1 <= values["lot_signal_threshold"] <= 50:
        raise InvalidInput("The lot threshold must be 1 to 50 reactions.")
    product = values["product_signal_threshold"]
    if product is not None and not 1 <= product <= 200:
        raise InvalidInput("The product threshold must be 1 to 200 reactions, or empty for none.")
    if not 1 <= values["signal_window_days"] <= 365:
        raise InvalidInput("The early-warning window must be 1 to 365 days.")
