"""`flask --app wsgi ...` commands: thin wrappers that call services and commit once."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

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
    for command in (create_user_command, rotate_signing_key_command, verify_qr_command):
        app.cli.add_command(command)


@click.command("rotate-signing-key")
@click.option("--clinic-id", type=int, default=None, help="Defaults to the only clinic.")
@with_appcontext
def rotate_signing_key_command(clinic_id: int | None) -> None:
    """Retire the clinic's signing key (old cards stay valid) and sign new cards with a new one."""
    from smp_hygiene.services import signing

    clinic = db.session.get(Clinic, clinic_id) if clinic_id else db.session.query(Clinic).first()
    if clinic is None:
        raise click.ClickException("No such clinic.")
    key = signing.rotate_clinic_key(clinic)
    db.session.commit()
    click.echo(f"{clinic.name} now signs with key {key.key_id}; private half in ", nl=False)
    click.echo(f"{signing.key_dir() / (key.key_id + '.pem')}.")


@click.command("verify-qr")
@click.argument("code")
@click.option("--keys", "keys_from", help="Keys JSON file or URL; default: the code's own site.")
@click.option("--revocations", "revocations_from", help="Revocation list JSON file or URL.")
@with_appcontext
def verify_qr_command(code: str, keys_from: str | None, revocations_from: str | None) -> None:
    """Check a scanned card (its text, or a PNG/JPEG of it) against published keys; no database."""
    from smp_hygiene import qrcheck

    verdict = qrcheck.run(code, keys_from, revocations_from)
    click.echo(qrcheck.describe(verdict))
    raise SystemExit(verdict.exit_code)
