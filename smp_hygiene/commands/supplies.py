"""Supplies: reading barcodes, receiving stock, tracing lots."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime

import click
from flask.cli import with_appcontext

from smp_hygiene.commands.lookup import find_actor, public_verify_url
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, Product
from smp_hygiene.services.barcodes.reader import parse_barcode
from smp_hygiene.services.supplies import receiving
from smp_hygiene.services.traceability import across_clinics
from smp_hygiene.timeutil import local_date, utcnow


@click.command("parse-barcode")
@click.argument("text")
@click.option(
    "--clinic-id",
    type=int,
    default=None,
    help="Judge expiry on this clinic's calendar day, in its time zone (default: today in UTC).",
)
@with_appcontext
def parse_barcode_command(text: str, clinic_id: int | None) -> None:
    """Print what a scanned barcode says, as JSON; exit 2 if it cannot be read.

    "expired" is true once the expiry date is before today (a lot is usable on its expiry day),
    null if the label has no expiry. "Today" is the clinic's calendar day with --clinic-id, else
    today's date in UTC; "judged_on" says which day was used.
    """
    today = _today(clinic_id)
    try:
        parsed = parse_barcode(text, today)
    except DomainError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    expired = parsed.expiry < today if parsed.expiry else None
    payload = parsed.as_json() | {"expired": expired, "judged_on": today.isoformat()}
    click.echo(json.dumps(payload, indent=2))


def _today(clinic_id: int | None) -> date:
    """The clinic's calendar day, or UTC's without a clinic."""
    if clinic_id is None:
        return utcnow().date()
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None:
        raise click.ClickException(f"No clinic with id {clinic_id}.")
    return local_date(utcnow(), clinic.timezone)


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
@click.option("--lot", "typed_lot", help="Retail codes (EAN/UPC): the lot on the packaging.")
@click.option(
    "--expiry", type=click.DateTime(["%Y-%m-%d"]), help="Retail codes: the expiry, YYYY-MM-DD."
)
@click.option("--user", "email", help="Who received it (defaults to the first admin).")
@with_appcontext
def receive_lot_command(
    barcode: str,
    product_id: int | None,
    quantity: int,
    ingredients: str,
    tattoo_statement: bool,
    typed_lot: str | None,
    expiry: datetime | None,
    email: str | None,
) -> None:
    """Receive stock from a supplier barcode; stock already expired is refused."""
    user = find_actor(email)
    if user is None:
        raise click.ClickException("No such user: pass --user EMAIL.")
    product = db.session.get(Product, product_id) if product_id else None
    label = receiving.PigmentLabel(
        has_tattoo_use_statement=tattoo_statement, ingredients=ingredients
    )
    try:
        lot = receiving.receive_lot(
            user.clinic,
            barcode,
            user,
            product=product,
            quantity=quantity,
            label=label,
            typed=receiving.TypedLot(typed_lot, expiry.date() if expiry else None),
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
@click.option("--clinic-id", type=int, default=None, help="Only this clinic (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def trace_lot_command(lot: str, gtin: str | None, clinic_id: int | None, as_json: bool) -> None:
    """Every session (and client) that used a lot: the first step of a recall."""
    traces = across_clinics.trace_lot_number(lot, gtin, clinic_id)
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


def _trace_json(trace: across_clinics.LotTrace) -> dict:
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
                "verify_url": public_verify_url(s.verify_token),
            }
            for s in trace.sessions
        ],
    }


@click.command("lots")
@click.option("--clinic-id", type=int, default=None, help="Only this clinic (default: all).")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def lots_command(clinic_id: int | None, as_json: bool) -> None:
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
        for s in across_clinics.lot_summaries(clinic_id)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['lot']:<20} {row['product']:<40} {row['expiry'] or '-':<10} "
            f"{row['status']:<20} {row['sessions']}"
        )


COMMANDS = (
    parse_barcode_command,
    receive_lot_command,
    trace_lot_command,
    lots_command,
)
