"""Shared-tablet PINs: which PINs are allowed, who may switch in, and the five-try wipe."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smp_hygiene.errors import InvalidCredentials, InvalidInput, NotAllowed, NotFound
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Role
from smp_hygiene.services.people import devices, pins, users
from tests.factories import PASSWORD, give_pin, make_clinic, make_device, make_user

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.mark.parametrize(
    "pin",
    ["12345", "123456789", "12 3456", "４８２９１６", "²82916", "abcdef", "", "000000", "123456"]
    + ["876543", "901234", "123123", "654321", "112233", "5050", "48294829"],
)
def test_technician_cannot_choose_a_short_odd_or_guessable_pin(pin):
    with pytest.raises(InvalidInput):
        pins.check_pin(pin)


@pytest.mark.parametrize("pin", ["482916", "5830271", "90817263"])
def test_technician_can_choose_six_to_eight_unremarkable_digits(pin):
    pins.check_pin(pin)


def test_technician_cannot_set_a_pin_without_their_password():
    tech = make_user(Role.TECHNICIAN)
    with pytest.raises(InvalidCredentials):
        pins.set_pin(tech, "not my password", "482916")
    assert tech.pin_hash is None


def test_pin_is_stored_hashed_and_its_setting_audited():
    tech = give_pin(make_user(Role.TECHNICIAN), "482916")
    assert tech.pin_hash
    assert "482916" not in tech.pin_hash
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "user.pin_set" in actions


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR])
def test_admin_and_auditor_cannot_use_a_pin(role):
    with pytest.raises(NotAllowed):
        pins.set_pin(make_user(role), PASSWORD, "482916")


def test_technician_can_switch_in_with_their_pin_on_their_clinics_tablet():
    device, _ = make_device()
    tech = give_pin(make_user(Role.TECHNICIAN, clinic=device.clinic))
    assert pins.sign_in_with_pin(device, tech.id, "482916") is tech
    assert device.last_used_at is not None


def test_another_clinics_technician_gets_the_same_answer_as_a_wrong_pin():
    device, _ = make_device()
    elsewhere = give_pin(make_user(Role.TECHNICIAN, clinic=make_clinic()))
    with pytest.raises(InvalidCredentials) as foreign:
        pins.sign_in_with_pin(device, elsewhere.id, "482916")
    with pytest.raises(InvalidCredentials) as unknown:
        pins.sign_in_with_pin(device, 999_999, "482916")
    assert str(foreign.value) == str(unknown.value) == pins.WRONG_PIN


def test_deactivated_technician_cannot_switch_in():
    device, _ = make_device()
    tech = give_pin(make_user(Role.TECHNICIAN, clinic=device.clinic))
    tech.is_active_user = False
    with pytest.raises(InvalidCredentials):
        pins.sign_in_with_pin(device, tech.id, "482916")


def test_five_wrong_pins_in_a_row_wipe_the_pin_and_say_so_in_the_log():
    device, _ = make_device()
    tech = give_pin(make_user(Role.TECHNICIAN, clinic=device.clinic))
    for _ in range(pins.PIN_TRIES - 1):
        pins.record_wrong_pin(device, tech.id)
    assert tech.pin_hash is not None
    pins.record_wrong_pin(device, tech.id)
    assert tech.pin_hash is None
    with pytest.raises(InvalidCredentials):
        pins.sign_in_with_pin(device, tech.id, "482916")
    assert "user.pin_wiped" in db.session.scalars(select(AuditEntry.action)).all()


def test_a_right_pin_starts_the_count_of_wrong_ones_again():
    device, _ = make_device()
    tech = give_pin(make_user(Role.TECHNICIAN, clinic=device.clinic))
    for _ in range(pins.PIN_TRIES - 1):
        pins.record_wrong_pin(device, tech.id)
    pins.sign_in_with_pin(device, tech.id, "482916")
    pins.record_wrong_pin(device, tech.id)
    assert tech.pin_hash is not None


def test_admins_password_reset_also_wipes_the_pin():
    device, _ = make_device()
    tech = give_pin(make_user(Role.TECHNICIAN, clinic=device.clinic))
    admin = make_user(Role.ADMIN, clinic=device.clinic)
    users.require_password_reset(tech, admin)
    assert tech.pin_hash is None


def test_revoked_tablet_is_no_longer_found_by_its_cookie():
    device, token = make_device()
    assert devices.find_device(token) is device
    devices.revoke_device(device.trusted_by, device)
    assert devices.find_device(token) is None


@pytest.mark.parametrize("token", ["", "x" * 5000, "ünïcode", "a-made-up-token"])
def test_odd_device_cookies_find_no_tablet(token):
    make_device()
    assert devices.find_device(token) is None


def test_admin_cannot_revoke_another_clinics_tablet():
    device, _ = make_device()
    other_admin = make_user(Role.ADMIN, clinic=make_clinic())
    with pytest.raises(NotFound):
        devices.revoke_device(other_admin, device)


def test_only_an_admin_can_trust_a_device():
    with pytest.raises(NotAllowed):
        devices.trust_device(make_user(Role.TECHNICIAN), "Chair tablet")
