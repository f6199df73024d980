"""`flask --app wsgi ...` commands: thin wrappers that call services and commit once."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, Product, ProductKind, Role, User
from smp_hygiene.services import (
    audit_log,
    catalogue,
    clinics,
    demo_data,
    lot_trace,
    sealing,
    supplies,
    users,
)
from smp_hygiene.services.gs1 import parse_barcode


def _clinic(clinic_id: int | None) -> Clinic:
    clinic = db.session.get(Clinic, clinic_id) if clinic_id else db.session.query(Clinic).first()
    if clinic is None:
        raise click.ClickException("No clinic yet: run `flask --app wsgi demo-data` first.")
    return clinic


def _verify_url(token: str | None) -> str | None:
    base = current_app.config["PUBLIC_BASE_URL"] or "http://127.0.0.1:5000"
    return f"{base.rstrip('/')}/v/{token}" if token else None


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="technician")
@click.option("--clinic-id", type=int, default=None, help="Defaults to the first clinic.")
@with_appcontext
def create_user_command(email: str, role: str, clinic_id: int | None) -> None:
    """Create a login; asks for the password interactively."""
    clinic = _clinic(clinic_id)
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        users.create_user(clinic, email, Role(role), password)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {email} ({role}).")


@click.command("parse-barcode")
@click.argument("text")
@with_appcontext
def parse_barcode_command(text: str) -> None:
    """Print what a scanned barcode says, as JSON; exit 2 if it cannot be read."""
    try:
        parsed = parse_barcode(text)
    except DomainError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(json.dumps(parsed.as_json(), indent=2))


@click.command("receive-lot")
@click.argument("barcode")
@click.option("--product", "product_id", type=int, help="Catalogue id, for an unknown GTIN.")
@click.option("--quantity", type=int, default=1, show_default=True)
@click.option("--ingredients", default="", help="Pigments: the ingredient list on the label.")
@click.option(
    "--tattoo-statement/--no-tattoo-statement",
    default=False,
    help='Pigments: label says "Mixture for use in tattoos or permanent make-up".',
)
@click.option("--user", "email", help="Who received it (defaults to the first admin).")
@with_appcontext
def receive_lot_command(
    barcode: str,
    product_id: int | None,
    quantity: int,
    ingredients: str,
    tattoo_statement: bool,
    email: str | None,
) -> None:
    """Receive stock from a supplier barcode."""
    user = (
        users.find_user_by_email(email)
        if email
        else (db.session.query(User).filter_by(role=Role.ADMIN).first())
    )
    if user is None:
        raise click.ClickException("No such user: pass --user EMAIL.")
    product = db.session.get(Product, product_id) if product_id else None
    label = supplies.PigmentLabel(
        has_tattoo_use_statement=tattoo_statement, ingredients=ingredients
    )
    try:
        lot = supplies.receive_lot(
            user.clinic, barcode, user, product=product, quantity=quantity, label=label
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"Lot {lot.lot_number} of {lot.product.title}: {lot.status.value}, "
        f"{lot.quantity_received} received, label SMPH-LOT:{lot.label_code}"
    )


@click.command("trace-lot")
@click.argument("lot")
@click.option("--gtin", default=None)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def trace_lot_command(lot: str, gtin: str | None, as_json: bool) -> None:
    """Every session (and client) that used a lot: the first step of a recall."""
    traces = lot_trace.trace_lot(lot, gtin)
    if not traces:
        raise click.ClickException(f"No lot {lot} has been received.")
    payload = [_trace_json(trace) for trace in traces]
    if as_json:
        click.echo(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
        return
    for item in payload:
        click.echo(f"{item['product']} lot {item['lot']}: {len(item['sessions'])} session(s)")
        for row in item["sessions"]:
            click.echo(f"  #{row['session_id']} {row['completed_at']} {row['client']}")


def _trace_json(trace: lot_trace.LotTrace) -> dict:
    return {
        "lot": trace.lot.lot_number,
        "product": trace.lot.product.title,
        "gtin": trace.lot.product.gtin,
        "status": trace.lot.status.value,
        "sessions": [
            {
                "session_id": s.id,
                "completed_at": s.completed_at.isoformat() if s.completed_at else None,
                "status": s.status.value,
                "client": s.client.full_name,
                "technician": s.technician.name,
                "verify_url": _verify_url(s.verify_token),
            }
            for s in trace.sessions
        ],
    }


@click.command("lots")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def lots_command(as_json: bool) -> None:
    """Every lot with its product, GTIN, expiry, status and how many sessions used it."""
    rows = [
        {
            "id": s.lot.id,
            "lot": s.lot.lot_number,
            "product": s.lot.product.title,
            "gtin": s.lot.product.gtin,
            "kind": s.lot.product.kind.value,
            "expiry": s.lot.expiry_date.isoformat() if s.lot.expiry_date else None,
            "status": s.lot.status.value,
            "sessions": s.session_count,
        }
        for s in lot_trace.lot_summaries()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['lot']:<20} {row['product']:<40} {row['expiry'] or '-':<10} "
            f"{row['status']:<20} {row['sessions']}"
        )


@click.command("audit-verify")
@with_appcontext
def audit_verify_command() -> None:
    """Walk the audit chain and recompute every sealed record; exit 1 at the first mismatch."""
    chain = audit_log.verify_chain()
    if not chain.ok:
        click.echo(f"BROKEN: audit {chain.problem}", err=True)
        sys.exit(1)
    seals = sealing.verify_seals()
    if not seals.ok:
        click.echo(
            f"BROKEN: session #{seals.broken_session_id} no longer matches its sealed "
            "digest: its record was changed after completion",
            err=True,
        )
        sys.exit(1)
    click.echo(f"OK: {chain.entries} audit entries chained, {seals.checked} sealed sessions match.")


@click.command("create-clinic")
@click.argument("name")
@click.option(
    "--jurisdiction",
    default="EU",
    show_default=True,
    help="EU clinics require REACH entry 75 pigment label data.",
)
@click.option("--phone", default="")
@click.option("--email", default="")
@click.option("--address", default="")
@with_appcontext
def create_clinic_command(
    name: str, jurisdiction: str, phone: str, email: str, address: str
) -> None:
    """Set up a clinic with the default hygiene checklist."""
    clinic = clinics.create_clinic(
        name,
        jurisdiction=jurisdiction,
        defaults=current_app.config,
        phone=phone,
        email=email,
        address=address,
    )
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
    colour: str,
    pao_months: int | None,
    configuration: str,
    clinic_id: int | None,
) -> None:
    """Add a catalogue product, so its barcodes can be received."""
    try:
        product = catalogue.add_product(
            _clinic(clinic_id),
            None,
            kind=ProductKind(kind),
            manufacturer=manufacturer,
            name=name,
            gtin=gtin,
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


@click.command("rotate-signing-key")
@click.option("--clinic-id", type=int, default=None, help="Defaults to the only clinic.")
@with_appcontext
def rotate_signing_key_command(clinic_id: int | None) -> None:
    """Retire the clinic's signing key (old cards stay valid) and sign new cards with a new one."""
    from smp_hygiene.services import signing

    clinic = _clinic(clinic_id)
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
    create_clinic_command,
    add_product_command,
    create_user_command,
    parse_barcode_command,
    receive_lot_command,
    trace_lot_command,
    lots_command,
    audit_verify_command,
    demo_data_command,
    rotate_signing_key_command,
    verify_qr_command,
)


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
