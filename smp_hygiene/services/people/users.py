"""Logins: creation and password checks, with argon2id hashes."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from smp_hygiene.errors import AlreadyExists, InvalidCredentials, InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, Role, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import passwords, permissions, throttling
from smp_hygiene.services.people.passwords import MIN_PASSWORD_LENGTH

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


def use_hash_parameters(time_cost: int, memory_cost_kib: int) -> None:
    """The test suite trades hash strength for speed; the app itself never calls this."""
    global _hasher, _DUMMY_HASH  # one process-wide hasher, as the default is
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)
    _DUMMY_HASH = _hasher.hash("not a real password")


__all__ = ["MIN_PASSWORD_LENGTH"]  # the staff page quotes it beside the form


def hash_secret(secret: str) -> str:
    """An argon2id hash of a password or a PIN, with the process-wide parameters."""
    return _hasher.hash(secret)


def secret_matches(stored_hash: str | None, secret: str) -> bool:
    """Whether `secret` matches; with no hash stored it still costs one verification, so the
    time taken does not tell a missing PIN or login from a wrong one."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    clinic: Clinic,
    email: str,
    role: Role,
    password: str,
    display_name: str = "",
    actor: User | None = None,
    licence_number: str = "",
    licence_issuer: str = "",
) -> User:
    """Create a login; emails are unique across the service and passwords pass NIST's checks."""
    email = email.strip().lower()
    if find_user_by_email(email):
        # One answer whether the login is in this clinic or another: telling them apart would
        # confirm to one clinic's admin that an address has a login at another clinic.
        raise AlreadyExists(
            "This email cannot be used for a new login: ask the person for another address, "
            "or contact support."
        )
    passwords.check_password(password, email=email, name=display_name)
    user = User(
        clinic=clinic,
        email=email,
        role=role,
        display_name=display_name,
        licence_number=licence_number.strip(),
        licence_issuer=licence_issuer.strip(),
        password_hash=_hasher.hash(password),
    )
    db.session.add(user)
    db.session.flush()  # the snapshot needs clinic_id and the defaults, set only at flush
    chain.record(actor, "user.created", user, after=_public(user))
    return user


# Built once: with its eager load, building the statement costs more than running it, and it
# runs on every signed-in request.
_WITH_CLINIC = select(User).options(joinedload(User.clinic)).where(User.id == bindparam("id"))


def find_user_with_clinic(user_id: int) -> User | None:
    """The login with its clinic, which nearly every signed-in page reads, in one query."""
    return db.session.scalar(_WITH_CLINIC, {"id": user_id})


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User:
    """Return the user whose password matches, or raise one message for every kind of miss;
    while the email's sign-ins are paused, refuse without looking at the password."""
    throttling.check_not_paused(email)
    user = find_user_by_email(email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.is_active:
        raise InvalidCredentials("Email or password is not right.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    throttling.clear(email)
    return user


def record_failed_sign_in(email: str) -> None:
    """Count a failed sign-in against the email typed (the caller commits it after rollback)."""
    throttling.record_failure(email, find_user_by_email(email))


def sign_out(user: User) -> None:
    """End every session of this login, including cookies copied before now."""
    user.session_version += 1


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; other sessions of the login end."""
    throttling.check_not_paused(user.email)  # guesses here count as failed sign-ins
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials("Your current password is not right.") from None
    if current == new:
        raise InvalidInput("Choose a password different from the current one.")
    passwords.check_password(new, email=user.email, name=user.display_name)
    user.password_hash = _hasher.hash(new)
    user.must_change_password = False
    user.session_version += 1
    chain.record(user, "user.password_changed", user, after={"email": user.email})


def require_password_reset(user: User, admin: User) -> None:
    """An admin signs a login out everywhere and makes its next sign-in choose a new password."""
    _require_admin(admin, user)
    if not user.is_active_user:
        raise InvalidInput(f"{user.name} is deactivated: reactivate the login first.")
    user.must_change_password = True
    user.session_version += 1
    user.pin_hash = None  # a suspected compromise: the tablet PIN goes with the password
    chain.record(admin, "user.password_reset_required", user, after={"email": user.email})


def _public(user: User) -> dict:
    """What the audit trail keeps of a user: never the hash."""
    return {
        "email": user.email,
        "role": user.role,
        "clinic_id": user.clinic_id,
        "display_name": user.display_name,
        "licence_number": user.licence_number,
        "licence_issuer": user.licence_issuer,
        "is_active": user.is_active_user,
    }


def list_users(clinic: Clinic) -> list[User]:
    """Everyone with a login at the clinic, active first, then by role and name."""
    return sorted(
        db.session.scalars(select(User).where(User.clinic_id == clinic.id)),
        key=lambda u: (not u.is_active_user, u.role.value, u.name.lower()),
    )


def add_staff(
    admin: User,
    *,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    licence_number: str = "",
    licence_issuer: str = "",
) -> User:
    """An admin adds a colleague to their own clinic, who picks their own password at first
    sign-in; technicians sign records, so they need a name and a licence (number and issuer)."""
    _require_admin(admin)
    if not display_name.strip():
        raise InvalidInput("Give the person's name, as it should appear on records.")
    check_licence(role, licence_number, licence_issuer)
    user = create_user(
        admin.clinic,
        email,
        role,
        password,
        display_name=display_name.strip(),
        actor=admin,
        licence_number=licence_number,
        licence_issuer=licence_issuer,
    )
    user.must_change_password = True  # the admin knows this one: it is for the first sign-in only
    return user


def check_licence(role: Role, licence_number: str, licence_issuer: str) -> None:
    """A technician's records carry their licence: its number and who issued it, as inspectors
    ask for both."""
    if role is not Role.TECHNICIAN:
        return
    if not licence_number.strip():
        raise InvalidInput("A technician needs a licence number: it is shown on their records.")
    if not licence_issuer.strip():
        raise InvalidInput(
            "Give the body that issued the technician's licence (e.g. the council or health "
            "authority): it is shown on their records beside the number."
        )


def deactivate_user(user: User, admin: User) -> None:
    """Stop a login from signing in; the user stays, because the audit trail names them."""
    _require_admin(admin, user)
    if user.id == admin.id:
        raise NotAllowed("You cannot deactivate your own login: ask another admin.")
    if not user.is_active_user:
        raise InvalidInput(f"{user.name} is already deactivated.")
    _set_active(user, admin, False)


def reactivate_user(user: User, admin: User) -> None:
    """Let a deactivated login sign in again."""
    _require_admin(admin, user)
    if user.is_active_user:
        raise InvalidInput(f"{user.name} is already active.")
    _set_active(user, admin, True)


def _set_active(user: User, admin: User, active: bool) -> None:
    before = _public(user)
    user.is_active_user = active
    user.session_version += 1  # a deactivated login's open sessions end at their next request
    action = "user.reactivated" if active else "user.deactivated"
    chain.record(admin, action, user, before=before, after=_public(user))


def _require_admin(admin: User, user: User | None = None) -> None:
    permissions.require(permissions.can_administer(admin), "Only an admin can manage logins.")
    if user is not None and user.clinic_id != admin.clinic_id:
        raise NotAllowed("This person works at another clinic.")
