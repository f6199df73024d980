"""Retention: list and erase clients whose retention period has ended."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from smp_hygiene.commands.lookup import find_actor, get_clinic
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.services.people import retention


@click.command("retention-report")
@click.option("--clinic-id", type=int, default=None)
@with_appcontext
def retention_report_command(clinic_id: int | None) -> None:
    """Clients past the clinic's retention period (none with an open recall or reaction)."""
    clinic = get_clinic(clinic_id)
    due = retention.list_due(clinic)
    click.echo(
        f"{clinic.name}: retention {clinic.retention_years} years; {len(due)} client(s) due."
    )
    for item in due:
        click.echo(
            f"  #{item.client.id}  last treated {item.last_activity:%Y-%m-%d}, "
            f"kept until {item.kept_until.isoformat()}"
        )


@click.command("erase-due-clients")
@click.option("--clinic-id", type=int, default=None)
@click.option("--user", "email", help="The admin who erases (defaults to the first admin).")
@click.option("--yes", is_flag=True, help="Really erase; without it nothing changes.")
@with_appcontext
def erase_due_clients_command(clinic_id: int | None, email: str | None, yes: bool) -> None:
    """Erase the personal data of every client due; the treatment records and seals stay."""
    clinic = get_clinic(clinic_id)
    admin = find_actor(email, clinic)
    due = retention.list_due(clinic)
    if not yes:
        click.echo(f"{len(due)} client(s) would be erased. Run again with --yes to erase them.")
        return
    if admin is None:
        raise click.ClickException("No admin to act as: pass --user EMAIL.")
    try:
        for item in due:
            retention.anonymise_client(item.client, admin)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Erased the personal data of {len(due)} client(s).")


COMMANDS = (retention_report_command, erase_due_clients_command)
