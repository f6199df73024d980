"""Traceability by client: find a client, then every supply ever used on them (CSV, PDF)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from smp_hygiene.csvexport import csv_response
from smp_hygiene.models import Client
from smp_hygiene.models.people import licence_words
from smp_hygiene.pdf import pdf_response
from smp_hygiene.services.listing import Page
from smp_hygiene.services.traceability import client_history
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.listing import PER_PAGE, listing
from smp_hygiene.views.audit.reports import report_context
from smp_hygiene.views.loading import own_or_404

CLIENT_HEADER = ["Client", "Name", "Date of birth", "Phone", "Email", "Address", "On file since"]
CLIENT_SUPPLY_HEADER = ["Date", "Session", "Product", "Lot", "Expiry", "Diluent", "Patch test"]
CLIENT_SUPPLY_HEADER += ["Technician"]


def _client_listing() -> dict:
    return listing(client_history.CLIENT_SORTS, "name", descending=False)


def _supply_listing() -> dict:
    return listing(client_history.CLIENT_SUPPLY_SORTS, "date")


@bp.get("/trace/clients")
def trace_clients():
    """Find a client by name, email or phone."""
    args = _client_listing()
    page = client_history.search_clients(
        current_user.clinic, request.args.get("q", ""), sort=args["sort"], page=args["page"]
    )
    return render_template("audit/trace_clients.html", page=page, listing=args)


@bp.get("/trace/clients.csv")
def trace_clients_csv():
    """The client search as CSV, every match, in the page's order."""
    page = client_history.search_clients(
        current_user.clinic, request.args.get("q", ""), sort=_client_listing()["sort"],
        per_page=None,
    )  # fmt: skip
    rows = ([c.id, c.full_name, c.date_of_birth.isoformat(), c.phone, c.email, c.address,
             c.created_at.date().isoformat()] for c in page.items)  # fmt: skip
    return csv_response("clients.csv", CLIENT_HEADER, rows)


def client_supply_rows(page: Page) -> list[list]:
    """One CSV or report row per supply, with the practitioner's name and licence, as
    inspectors ask for both on a treatment record."""
    return [
        [
            row.used_at.date().isoformat(),
            row.session_id,
            row.product,
            row.lot_number,
            row.expiry_date.isoformat() if row.expiry_date else "",
            f"{row.diluent_product} lot {row.diluent_lot_number}" if row.diluent_lot_number else "",
            f"#{row.patch_test_id}" if row.patch_test_id else "",
            f"{row.display_name or row.technician_email}, "
            f"{licence_words(row.licence_number, row.licence_issuer) or 'licence not recorded'}",
        ]
        for row in page.items
    ]


@bp.get("/trace/clients/<int:client_id>")
def trace_client(client_id: int):
    """Every supply ever used on a client, with their patch tests and sessions."""
    client, args = own_or_404(Client, client_id), _supply_listing()
    return render_template(
        "audit/trace_client.html",
        client=client,
        listing=args,
        page=client_history.client_supplies(client, **args, per_page=PER_PAGE),
        sessions=client_history.client_sessions(client),
        patch_tests=client_history.client_patch_tests(client),
    )


@bp.get("/trace/clients/<int:client_id>.csv")
def trace_client_csv(client_id: int):
    """A client's supplies as CSV."""
    client = own_or_404(Client, client_id)
    page = client_history.client_supplies(client, **_supply_listing(), per_page=None)
    return csv_response(f"client-{client.id}.csv", CLIENT_SUPPLY_HEADER, client_supply_rows(page))


@bp.get("/trace/clients/<int:client_id>.pdf")
def trace_client_pdf(client_id: int):
    """A client's supplies as a printed traceability report."""
    client = own_or_404(Client, client_id)
    page = client_history.client_supplies(client, **_supply_listing(), per_page=None)
    context = report_context(
        f"Supplies used on {client.full_name}",
        "every session on record",
        header=CLIENT_SUPPLY_HEADER,
        rows=client_supply_rows(page),
    )
    return pdf_response(f"client-{client.id}.pdf", "audit/reports/table.html", **context)
