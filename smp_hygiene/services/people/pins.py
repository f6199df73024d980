"""Personal PINs for switching user on a shared tablet, on top of the device's trust.

A PIN is a weaker secret than a password, so it is fenced in: it works only on a tablet an admin
trusted for the technician's own clinic (services/people/devices.py), only for technicians (admin
and audit powers need the full password), and PIN_TRIES wrong PINs in a row wipe it, after
which the technician signs in with their password and sets a new one. With six digits that
leaves an attacker five guesses in a million. Per-address limits sit in front, in the view.
"""

from __future__ import annotations

from sqlalchemy import select

from smp_hygiene.errors import InvalidCredentials, InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import Role, SharedDevice, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import users
from smp_hygiene.timeutil import utcnow

PIN_LENGTHS = range(6, 9)
PIN_TRIES = 5
WRONG_PIN = "That PIN is not right."
# PINs people pick first (the most common six-digit choices in published PIN studies), on top
# of the runs and repeats refused by rule below.
_COMMON_PINS = frozenset(
    {"123123", "112233", "121212", "123321", "696969", "159753", "147258", "111222"}
    | {"000111", "654321", "987654", "101010", "131313", "789456", "456123", "520520"}
)


def check_pin(pin: str) -> None:
    """A PIN is 6 to 8 plain digits, and not a repeat, a run or a very common one."""
    if not (pin.isascii() and pin.isdigit() and len(pin) in PIN_LENGTHS):
        raise InvalidInput("A PIN is 6 to 8 digits.")
    if len(set(pin)) == 1 or pin in "01234567890123456789" or pin in "98765432109876543210":
        raise InvalidInput("That PIN is too easy to guess: avoid repeats and runs like 123456.")
    if pin in _COMMON_PINS or pin[: len(pin) // 2] * 2 == pin:
        raise InvalidInput("That PIN is one of the most common: choose another.")


def set_pin(user: User, password: str, pin: str) -> None:
    """A technician sets or changes their PIN, proving it is them with their password."""
    if user.role is not Role.TECHNICIAN:
        raise NotAllowed("PIN sign-in on the shared tablet is for technicians.")
    if not users.secret_matches(user.password_hash, password):
        raise InvalidCredentials("Your password is not right.")
    check_pin(pin)
    user.pin_hash = users.hash_secret(pin)
    user.pin_failures = 0
    chain.record(user, "user.pin_set", user, after={"email": user.email})


def remove_pin(user: User) -> None:
    """Switch PIN sign-in off for this login (the password still works)."""
    if user.pin_hash is None:
        raise InvalidInput("You have no PIN set.")
    user.pin_hash = None
    user.pin_failures = 0
    chain.record(user, "user.pin_removed", user, after={"email": user.email})


def list_pin_users(device: SharedDevice) -> list[User]:
    """Who may switch in on this tablet: its clinic's active technicians with a PIN."""
    rows = db.session.scalars(
        select(User)
        .where(
            User.clinic_id == device.clinic_id,
            User.role == Role.TECHNICIAN,
            User.is_active_user.is_(True),
            User.pin_hash.is_not(None),
        )
        .order_by(User.display_name, User.id)
    )
    return list(rows)


def sign_in_with_pin(device: SharedDevice, user_id: int, pin: str) -> User:
    """The technician chosen on the tablet, if the PIN is theirs. Another clinic's login, an
    unknown id and a wrong PIN get the same answer."""
    user = db.session.get(User, user_id)
    if user is None or user not in list_pin_users(device):
        users.secret_matches(None, pin)  # the same time as a real check
        raise InvalidCredentials(WRONG_PIN)
    if not users.secret_matches(user.pin_hash, pin):
        raise InvalidCredentials(WRONG_PIN)
    user.pin_failures = 0
    device.last_used_at = utcnow()
    return user


def record_wrong_pin(device: SharedDevice, user_id: int) -> None:
    """Count a wrong PIN (after the refusal rolled back); the last allowed try wipes the PIN."""
    user = db.session.get(User, user_id)
    if user is None or user.clinic_id != device.clinic_id or user.pin_hash is None:
        return
    user.pin_failures += 1
    if user.pin_failures < PIN_TRIES:
        return
    user.pin_hash = None
    user.pin_failures = 0
    after = {"email": user.email, "device": device.name, "wrong_pins": PIN_TRIES}
    chain.record(None, "user.pin_wiped", user, after=after)
