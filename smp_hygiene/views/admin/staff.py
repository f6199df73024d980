"""Logins at the clinic: add a colleague, deactivate or reactivate one; never delete."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import Role, User
from smp_hygiene.services.people import users
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.loading import own_or_404


def parse_new_user() -> dict:
    """The new-login form as typed values; the service checks the rules."""
    role = request.form.get("role", "")
    if role not in {r.value for r in Role}:
        raise InvalidInput("Choose a role: technician, auditor or admin.")
    return {
        "email": request.form.get("email", ""),
        "display_name": request.form.get("display_name", ""),
        "licence_number": request.form.get("licence_number", ""),
        "role": Role(role),
        "password": request.form.get("password", ""),
    }


def _colleague(user_id: int) -> User:
    return own_or_404(User, user_id)


def _render(form: dict, status: int = 200):
    return render_template(
        "admin/staff.html",
        staff=users.list_users(current_user.clinic),
        form=form,
        roles=list(Role),
        min_password=users.MIN_PASSWORD_LENGTH,
    ), status


@bp.get("/users")
def staff():
    """Everyone with a login here, and a form to add someone."""
    return _render({"role": Role.TECHNICIAN.value})


@bp.post("/users")
def create_user():
    """Add a login; they sign in with the password you give them."""
    try:
        user = users.add_staff(current_user, **parse_new_user())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render({k: v for k, v in request.form.items() if k != "password"}, 422)
    db.session.commit()
    flash(f"{user.name} can now sign in as {user.role.value}.", "success")
    return redirect(url_for("admin.staff"))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    """Stop a login at once; the person stays on every record they signed."""
    user = _colleague(user_id)
    try:
        users.deactivate_user(user, current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{user.name} can no longer sign in.", "success")
    return redirect(url_for("admin.staff"))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int):
    """Let a deactivated login sign in again."""
    user = _colleague(user_id)
    try:
        users.reactivate_user(user, current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{user.name} can sign in again.", "success")
    return redirect(url_for("admin.staff"))
