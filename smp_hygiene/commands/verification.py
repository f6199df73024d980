"""The clinic's card-signing key."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from smp_hygiene.commands.lookup import get_clinic
from smp_hygiene.extensions import db
from smp_hygiene.services.verification import signing


@click.command("rotate-signing-key")
@click.option("--clinic-id", type=int, default=None, help="Defaults to the only clinic.")
@with_appcontext
def rotate_signing_key_command(clinic_id: int | None) -> None:
    """Retire the clinic's signing key (old cards stay valid) and sign new cards with a new one."""
    clinic = get_clinic(clinic_id)
    key = signing.rotate_clinic_key(clinic)
    db.session.commit()
    click.echo(f"{clinic.name} now signs with key {key.key_id}; private half in ", nl=False)
    click.echo(f"{signing.key_dir() / (key.key_id + '.pem')}.")


COMMANDS = (rotate_signing_key_command,)
