"""What several commands look up the same way: the clinic and user to act as, a verify URL."""

from __future__ import annotations

import click
from flask import current_app

from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, Role, User
from smp_hygiene.services.people import users


def get_clinic(clinic_id: int | None) -> Clinic:
    """The clinic named by --clinic-id, or the first one; a clear error when there is none."""
    clinic = db.session.get(Clinic, clinic_id) if clinic_id else db.session.query(Clinic).first()
    if clinic is None:
        raise click.ClickException("No clinic yet: run `flask --app wsgi demo-data` first.")
    return clinic


def find_actor(email: str | None, clinic: Clinic | None = None) -> User | None:
    """The user named by --user EMAIL, or else the first admin (of `clinic`, when given)."""
    if email:
        return users.find_user_by_email(email)
    admins = db.session.query(User).filter_by(role=Role.ADMIN)
    if clinic is not None:
        admins = admins.filter_by(clinic_id=clinic.id)
    return admins.first()


def public_verify_url(token: str | None) -> str | None:
    base = current_app.config["PUBLIC_BASE_URL"] or "http://127.0.0.1:5000"
    return f"{base.rstrip('/')}/v/{token}" if token else None
