"""`flask --app wsgi ...` commands: thin wrappers that call services and commit once."""

from __future__ import annotations

import click
from flask import Flask

from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, Role
from smp_hygiene.services import users


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="technician")
@click.option("--clinic-id", type=int, default=None, help="Defaults to the only clinic.")
def create_user_command(email: str, role: str, clinic_id: int | None) -> None:
    """Create a login; asks for the password interactively."""
    clinic = db.session.get(Clinic, clinic_id) if clinic_id else db.session.query(Clinic).first()
    if clinic is None:
        raise click.ClickException("No clinic yet: run `flask --app wsgi demo-data` first.")
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    users.create_user(clinic, email, Role(role), password)
    db.session.commit()
    click.echo(f"Created {email} ({role}).")


def register(app: Flask) -> None:
    for command in (create_user_command,):
        app.cli.add_command(command)
