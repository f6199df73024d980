"""Setting up a clinic and changing its settings."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import available_timezones

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, PatchTestMode, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions
from smp_hygiene.services.sessions import checklists
from smp_hygiene.services.verification import signing

# The settings an admin may change, with the bounds a careful clinic would stay inside.
SETTING_BOUNDS = {
    "patch_test_wait_hours": (12, 168),
    "patch_test_valid_days": (1, 730),
    "healing_gap_days": (0, 60),
    "retention_years": (3, 30),  # never below 3: Safety Gate look-backs need the links
    "reaction_notice_hours": (1, 168),  # R24: several US county codes ask for 24 h
}


def create_clinic(
    name: str,
    *,
    jurisdiction: str = "EU",
    timezone: str = "UTC",
    defaults: Mapping | None = None,
    actor: User | None = None,
    **contact: str,
) -> Clinic:
    """A new clinic with the default hygiene checklist and the configured rule defaults."""
    if not name.strip():
        raise InvalidInput("A clinic needs a name.")
    defaults = defaults or {}
    clinic = Clinic(
        name=name.strip(),
        jurisdiction=jurisdiction.strip() or "EU",
        patch_test_wait_hours=defaults.get("PATCH_TEST_WAIT_HOURS", 48),
        patch_test_valid_days=defaults.get("PATCH_TEST_VALID_DAYS", 180),
        healing_gap_days=defaults.get("HEALING_GAP_DAYS", 5),
        requires_eu_ink_label=jurisdiction.upper().startswith("EU"),
        timezone=_valid_zone(timezone),
        **contact,
    )
    db.session.add(clinic)
    chain.record(actor, "clinic.created", clinic)
    checklists.ensure_default_checklist(clinic, actor)
    signing.ensure_clinic_key(clinic, actor)  # the private half goes to instance/keys, not the DB
    return clinic


def update_settings(clinic: Clinic, admin: User, **settings) -> Clinic:
    """Change rule settings within safe bounds; every change is audited with before and after."""
    permissions.require(
        permissions.can_administer(admin) and admin.clinic_id == clinic.id,
        "Only an admin of this clinic can change its settings.",
    )
    before = chain.snapshot(clinic)
    for key, value in settings.items():
        if key in SETTING_BOUNDS:
            low, high = SETTING_BOUNDS[key]
            if not low <= int(value) <= high:
                raise InvalidInput(f"{key.replace('_', ' ')} must be between {low} and {high}.")
            setattr(clinic, key, int(value))
        elif key == "patch_test_mode":
            clinic.patch_test_mode = PatchTestMode(value)
        elif key == "timezone":
            clinic.timezone = _valid_zone(str(value))
        elif key in ("requires_eu_ink_label", "is_patch_test_per_lot"):
            setattr(clinic, key, bool(value))
        else:
            raise InvalidInput(f"{key} is not a clinic setting.")
    chain.record(admin, "clinic.settings_changed", clinic, before=before)
    return clinic


def _valid_zone(name: str) -> str:
    if name.strip() not in available_timezones():
        raise InvalidInput(f'"{name}" is not a time zone: use a name like Europe/Brussels.')
    return name.strip()
