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
    """Clients past the clinic's retention period: those due, and those held and why."""
    clinic = get_clinic(clinic_id)
    review = retention.review_retention(clinic)
    click.echo(
        f"{clinic.name}: retention {clinic.retention_years} years; "
        f"{len(review.due)} client(s) due, {len(review.held)} held."
    )
    for item in review.due:
        click.echo(
            f"  #{item.client.id}  last treated {item.last_activity:%Y-%m-%d}, "
            f"kept until {item.kept_until.isoformat()}"
        )
    for item in review.held:
        click.echo(f"  #{item.client.id}  held: {'; '.join(item.holds)}")


@click.command("erase-due-clients")
@click.option("--clinic-id", type=int, default=None)
@click.option("--user", "email", help="The admin who erases (defaults to the first admin).")
@click.option("--yes", is_flag=True, help="Really erase; without it nothing changes.")
@with_appcontext
def erase_due_clients_command(clinic_id: int | None, email: str | None, yes: bool) -> None:
    """Erase the personal data of every client due (never a held one); the treatment records and
    seals stay."""
    clinic = get_clinic(clinic_id)
    admin = find_actor(email, clinic)
    if not yes:
        due = retention.list_due(clinic)
        click.echo(f"{len(due)} client(s) would be erased. Run again with --yes to erase them.")
        return
    if admin is None:
        raise click.ClickException("No admin to act as: pass --user EMAIL.")
    try:
        erased = retention.erase_due_clients(clinic, admin)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Erased the personal data of {erased} client(s).")


COMMANDS = (retention_report_command, erase_due_clients_command)
