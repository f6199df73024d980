"""Verification cards: the clinic's signing key, and checking a card offline."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from smp_hygiene.commands.lookup import find_clinic
from smp_hygiene.extensions import db


@click.command("rotate-signing-key")
@click.option("--clinic-id", type=int, default=None, help="Defaults to the only clinic.")
@with_appcontext
def rotate_signing_key_command(clinic_id: int | None) -> None:
    """Retire the clinic's signing key (old cards stay valid) and sign new cards with a new one."""
    from smp_hygiene.services.verification import signing

    clinic = find_clinic(clinic_id)
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


COMMANDS = (
    rotate_signing_key_command,
    verify_qr_command,
)
