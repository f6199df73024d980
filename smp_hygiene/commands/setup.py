"""Setting up: clinics, logins, catalogue products and the demo clinic."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from smp_hygiene.commands.lookup import get_clinic
from smp_hygiene.demo import clinic as demo_data
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, Role
from smp_hygiene.services.people import clinics, users
from smp_hygiene.services.supplies import catalogue


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="technician")
@click.option("--clinic-id", type=int, default=None, help="Defaults to the first clinic.")
@click.option("--name", default="", help="As shown on records.")
@click.option("--licence-number", default="", help="Practitioner licence (technicians).")
@click.option("--licence-issuer", default="", help="Who issued the licence (technicians).")
@with_appcontext
def create_user_command(
    email: str,
    role: str,
    clinic_id: int | None,
    name: str,
    licence_number: str,
    licence_issuer: str,
) -> None:
    """Create a login; asks for the password interactively. Technicians need their licence."""
    clinic = get_clinic(clinic_id)
    try:
        users.check_licence(Role(role), licence_number, licence_issuer)
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        users.create_user(
            clinic,
            email,
            Role(role),
            password,
            display_name=name.strip(),
            licence_number=licence_number,
            licence_issuer=licence_issuer,
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {email} ({role}).")


@click.command("create-clinic")
@click.argument("name")
@click.option(
    "--jurisdiction",
    default="EU",
    show_default=True,
    help="EU clinics require REACH entry 75 pigment label data.",
)
@click.option("--timezone", default="UTC", show_default=True, help="e.g. Europe/Brussels")
@click.option("--phone", default="")
@click.option("--email", default="")
@click.option("--address", default="")
@with_appcontext
def create_clinic_command(
    name: str, jurisdiction: str, timezone: str, phone: str, email: str, address: str
) -> None:
    """Set up a clinic with the default hygiene checklist."""
    try:
        clinic = clinics.create_clinic(
            name,
            jurisdiction=jurisdiction,
            timezone=timezone,
            defaults=current_app.config,
            phone=phone,
            email=email,
            address=address,
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"Clinic #{clinic.id} {clinic.name} created. Next: create-user EMAIL --role admin "
        f"--clinic-id {clinic.id}"
    )


@click.command("add-product")
@click.argument("kind", type=click.Choice([k.value for k in ProductKind]))
@click.argument("manufacturer")
@click.argument("name")
@click.option("--gtin", default=None)
@click.option("--hibc", default=None, help="HIBC labeler + product code, e.g. A123BJC5D6E7.")
@click.option("--colour", default="")
@click.option("--pao-months", type=int, default=None, help="Pigments: period after opening.")
@click.option("--configuration", default="", help='Needles: e.g. "1RL 0.25 mm".')
@click.option("--clinic-id", type=int, default=None)
@with_appcontext
def add_product_command(
    kind: str,
    manufacturer: str,
    name: str,
    gtin: str | None,
    hibc: str | None,
    colour: str,
    pao_months: int | None,
    configuration: str,
    clinic_id: int | None,
) -> None:
    """Add a catalogue product, so its barcodes can be received."""
    try:
        product = catalogue.add_product(
            get_clinic(clinic_id),
            None,
            kind=ProductKind(kind),
            manufacturer=manufacturer,
            name=name,
            gtin=gtin,
            hibc_code=hibc,
            colour=colour,
            period_after_opening_months=pao_months,
            configuration=configuration,
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Product #{product.id} {product.title} added.")


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Load a realistic demo clinic once; running it again changes nothing."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("Demo data is for development only.")
    created = demo_data.load()
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")
    click.echo("Demo logins (development only):")
    for email, role in demo_data.LOGINS:
        click.echo(f"  {email:<24} {role.value:<11} password: {demo_data.DEMO_PASSWORD}")


COMMANDS = (
    create_clinic_command,
    add_product_command,
    create_user_command,
    demo_data_command,
)
