"""Clinic set-up and settings."""

from __future__ import annotations

import pytest

from smp_hygiene.errors import InvalidInput, NotAllowed
from smp_hygiene.models import AuditEntry, PatchTestMode, Role
from smp_hygiene.services.people import clinics
from tests.factories import make_clinic, make_user


def test_a_new_clinic_gets_the_default_checklist(ctx):
    clinic = clinics.create_clinic("Studio", defaults={"PATCH_TEST_WAIT_HOURS": 72})

    assert clinic.patch_test_wait_hours == 72
    assert len(clinics.checklists.active_items(clinic)) == 7


def test_admin_can_switch_the_patch_test_rule_to_warn(ctx):
    clinic = make_clinic()

    clinics.update_settings(clinic, make_user(Role.ADMIN, clinic=clinic), patch_test_mode="warn")

    assert clinic.patch_test_mode is PatchTestMode.WARN
    assert AuditEntry.query.filter_by(action="clinic.settings_changed").count() == 1


def test_technician_cannot_change_settings(ctx):
    clinic = make_clinic()

    with pytest.raises(NotAllowed, match="Only an admin"):
        clinics.update_settings(clinic, make_user(clinic=clinic), healing_gap_days=1)


def test_retention_cannot_go_below_three_years(ctx):
    clinic = make_clinic()

    with pytest.raises(InvalidInput, match="retention years must be between 3 and 30"):
        clinics.update_settings(clinic, make_user(Role.ADMIN, clinic=clinic), retention_years=1)


def test_admin_can_set_the_health_department_notice_deadline(ctx):
    clinic = make_clinic()

    clinics.update_settings(clinic, make_user(Role.ADMIN, clinic=clinic), reaction_notice_hours=48)

    assert clinic.reaction_notice_hours == 48


def test_a_clinic_time_zone_must_be_a_real_zone(ctx):
    clinic = make_clinic()

    with pytest.raises(InvalidInput, match="is not a time zone"):
        clinics.update_settings(clinic, make_user(Role.ADMIN, clinic=clinic), timezone="Mars/Base")
