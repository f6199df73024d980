"""Logins at the clinic: add a colleague, deactivate or reactivate one; never delete."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError
from smp_hygiene.models import User
from smp_hygiene.services.people import users
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.admin.forms import NewLoginForm, submitted
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once, refusal_page


def _page(form: NewLoginForm | None = None, status: int = 200):
    return render_template(
        "admin/staff.html",
        staff=users.list_users(current_user.clinic),
        form=form or NewLoginForm(formdata=None),
        min_password=users.MIN_PASSWORD_LENGTH,
    ), status


def _login_refused(error: DomainError):
    # The form comes back as typed (never the password), whatever rule refused it.
    flash(str(error), "error")
    return _page(getattr(error, "form", None) or NewLoginForm(), 422)


@bp.get("/users")
def staff():
    """Everyone with a login here, and a form to add someone."""
    return _page()


@bp.post("/users")
@refusal_page(_login_refused)
@once
def create_user():
    """Add a login; they sign in with the password you give them."""
    form = submitted(NewLoginForm())
    user = users.add_staff(current_user, **form.values())
    return done(url_for("admin.staff"), f"{user.name} can now sign in as {user.role.value}.")


@bp.post("/users/<int:user_id>/deactivate")
@once
def deactivate_user(user_id: int):
    """Stop a login at once; the person stays on every record they signed."""
    user = own_or_404(User, user_id)
    users.deactivate_user(user, current_user)
    return done(url_for("admin.staff"), f"{user.name} can no longer sign in.")


@bp.post("/users/<int:user_id>/reactivate")
@once
def reactivate_user(user_id: int):
    """Let a deactivated login sign in again."""
    user = own_or_404(User, user_id)
    users.reactivate_user(user, current_user)
    return done(url_for("admin.staff"), f"{user.name} can sign in again.")


@bp.post("/users/<int:user_id>/require-reset")
@once
def require_reset(user_id: int):
    """Sign a login out everywhere; at next sign-in they must choose a new password."""
    user = own_or_404(User, user_id)
    users.require_password_reset(user, current_user)
    return done(url_for("admin.staff"), f"{user.name} must choose a new password at next sign-in.")
