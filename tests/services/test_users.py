"""Managing logins: adding colleagues, deactivating and reactivating, never deleting."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smp_hygiene.errors import AlreadyExists, InvalidCredentials, InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Role
from smp_hygiene.services.people import users
from tests import factories as f
from tests.factories import PASSWORD, make_user


def _new(**fields) -> dict:
    values = {
        "email": "new.tech@example.test",
        "display_name": "Nia Tech",
        "role": Role.TECHNICIAN,
        "password": "long enough pw",
        "licence_number": "BP-2231",
        "licence_issuer": "Brussels-Capital Health Inspectorate",
    }
    return {**values, **fields}


def test_admin_can_add_a_technician_with_licence_number_and_audit_entry(ctx):
    admin = f.make_user(Role.ADMIN)

    user = users.add_staff(admin, **_new())

    assert (user.clinic_id, user.role, user.licence_number) == (
        admin.clinic_id,
        Role.TECHNICIAN,
        "BP-2231",
    )
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "user.created", AuditEntry.entity_id == str(user.id)
        )
    )
    assert entry.actor_id == admin.id
    assert "password" not in entry.after
    assert "BP-2231" in entry.after


def test_new_login_can_sign_in_with_the_first_password(ctx):
    users.add_staff(f.make_user(Role.ADMIN), **_new(email="Sam@Example.test"))

    assert users.authenticate("sam@example.test", "long enough pw").display_name == "Nia Tech"


def test_technician_cannot_be_added_without_a_licence_number(ctx):
    admin = f.make_user(Role.ADMIN)

    with pytest.raises(InvalidInput, match="A technician needs a licence number"):
        users.add_staff(admin, **_new(licence_number="  "))


@pytest.mark.parametrize("issuer", ["", "   ", "\t"])
def test_technician_cannot_be_added_without_the_licence_issuing_body(ctx, issuer):
    admin = f.make_user(Role.ADMIN)

    with pytest.raises(InvalidInput, match="Give the body that issued the technician's licence"):
        users.add_staff(admin, **_new(licence_issuer=issuer))


def test_technician_licence_issuer_is_kept_trimmed_shown_and_audited(ctx):
    user = users.add_staff(f.make_user(Role.ADMIN), **_new(licence_issuer="  Brussels Health "))

    assert user.licence_issuer == "Brussels Health"
    assert user.licence == "licence BP-2231, issued by Brussels Health"
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "user.created", AuditEntry.entity_id == str(user.id)
        )
    )
    assert "Brussels Health" in entry.after


def test_auditor_can_be_added_without_a_licence_number(ctx):
    user = users.add_staff(f.make_user(Role.ADMIN), **_new(role=Role.AUDITOR, licence_number=""))

    assert user.role is Role.AUDITOR


def test_a_login_needs_a_name_for_the_records(ctx):
    with pytest.raises(InvalidInput, match="Give the person's name"):
        users.add_staff(f.make_user(Role.ADMIN), **_new(display_name=" "))


def test_a_password_under_twelve_characters_is_refused(ctx):
    with pytest.raises(InvalidInput, match="Passwords need at least 12 characters."):
        users.add_staff(f.make_user(Role.ADMIN), **_new(password="short pw1"))


def test_an_email_already_in_use_is_refused(ctx):
    admin = f.make_user(Role.ADMIN, email="taken@example.test")

    with pytest.raises(AlreadyExists, match="^This email cannot be used for a new login"):
        users.add_staff(admin, **_new(email="TAKEN@example.test"))


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_non_admins_cannot_add_logins(ctx, role):
    with pytest.raises(NotAllowed, match="Only an admin can manage logins"):
        users.add_staff(f.make_user(role), **_new())


def test_admin_can_deactivate_a_colleague_who_then_cannot_sign_in(ctx):
    admin, tech = f.make_user(Role.ADMIN), f.make_user(email="leaver@example.test")

    users.deactivate_user(tech, admin)

    assert tech.is_active is False
    with pytest.raises(InvalidCredentials):
        users.authenticate("leaver@example.test", f.PASSWORD)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.deactivated"))
    assert (entry.actor_id, entry.entity_id) == (admin.id, str(tech.id))


def test_admin_cannot_deactivate_themself(ctx):
    admin = f.make_user(Role.ADMIN)

    with pytest.raises(NotAllowed, match="You cannot deactivate your own login"):
        users.deactivate_user(admin, admin)


def test_admin_cannot_deactivate_someone_at_another_clinic(ctx):
    admin = f.make_user(Role.ADMIN)
    elsewhere = f.make_user(clinic=f.make_clinic())

    with pytest.raises(NotAllowed, match="works at another clinic"):
        users.deactivate_user(elsewhere, admin)


def test_auditor_cannot_deactivate_anyone(ctx):
    with pytest.raises(NotAllowed, match="Only an admin"):
        users.deactivate_user(f.make_user(), f.make_user(Role.AUDITOR))


def test_deactivating_twice_says_so(ctx):
    admin, tech = f.make_user(Role.ADMIN), f.make_user()
    users.deactivate_user(tech, admin)

    with pytest.raises(InvalidInput, match="already deactivated"):
        users.deactivate_user(tech, admin)


def test_admin_can_reactivate_a_deactivated_login(ctx):
    admin, tech = f.make_user(Role.ADMIN), f.make_user()
    users.deactivate_user(tech, admin)

    users.reactivate_user(tech, admin)

    assert tech.is_active is True
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reactivated"))


def test_reactivating_an_active_login_says_so(ctx):
    with pytest.raises(InvalidInput, match="already active"):
        users.reactivate_user(f.make_user(), f.make_user(Role.ADMIN))


def test_list_users_shows_only_this_clinic_active_first(ctx):
    admin = f.make_user(Role.ADMIN)
    gone = f.make_user(clinic=admin.clinic)
    f.make_user(clinic=f.make_clinic())
    users.deactivate_user(gone, admin)

    listed = users.list_users(admin.clinic)

    assert listed == [admin, gone]


def test_a_technician_can_change_their_password_and_other_sessions_end(ctx):
    user = make_user(Role.TECHNICIAN)
    version = user.session_version

    users.change_password(user, PASSWORD, "plum kettle orbit")

    assert users.authenticate(user.email, "plum kettle orbit") is user
    assert user.session_version == version + 1
    assert user.must_change_password is False


def test_a_password_change_needs_the_current_password(ctx):
    user = make_user(Role.TECHNICIAN)

    with pytest.raises(InvalidCredentials, match="Your current password is not right."):
        users.change_password(user, "not the one at all", "plum kettle orbit")


def test_a_password_change_must_change_the_password(ctx):
    user = make_user(Role.TECHNICIAN)

    with pytest.raises(InvalidInput, match="Choose a password different from the current one."):
        users.change_password(user, PASSWORD, PASSWORD)


def test_a_new_password_meets_the_same_rules(ctx):
    user = make_user(Role.TECHNICIAN)

    with pytest.raises(InvalidInput, match="common or breached"):
        users.change_password(user, PASSWORD, "1234567890")


def test_an_admin_cannot_require_a_reset_of_a_deactivated_login(ctx):
    user = make_user(Role.TECHNICIAN)
    admin = make_user(Role.ADMIN, clinic=user.clinic)
    users.deactivate_user(user, admin)

    with pytest.raises(InvalidInput, match="is deactivated: reactivate the login first."):
        users.require_password_reset(user, admin)


def test_a_technician_cannot_require_a_reset(ctx):
    user = make_user(Role.TECHNICIAN)
    colleague = make_user(Role.TECHNICIAN, clinic=user.clinic)

    with pytest.raises(NotAllowed, match="Only an admin can manage logins."):
        users.require_password_reset(user, colleague)


def test_deactivation_and_sign_out_each_end_every_session(ctx):
    user = make_user(Role.TECHNICIAN)
    admin = make_user(Role.ADMIN, clinic=user.clinic)
    start = user.session_version

    users.sign_out(user)
    users.deactivate_user(user, admin)

    assert user.session_version == start + 2
