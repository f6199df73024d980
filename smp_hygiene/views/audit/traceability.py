"""Traceability searches for auditors: by lot, by client, by technician; CSV and PDF exports."""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from smp_hygiene.csvexport import csv_response
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import Client, User
from smp_hygiene.pdf import pdf_response
from smp_hygiene.services.audit import chain as audit_log
from smp_hygiene.services.traceability import client_history, technician_activity
from smp_hygiene.services.traceability import lots as traceability
from smp_hygiene.services.traceability.lots import LotSearch
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit import bp
from smp_hygiene.views.audit.listing import PER_PAGE, listing, parse_date
from smp_hygiene.views.loading import own_or_404

LOT_HEADER = ["Session", "Date", "Status", "Client", "Phone", "Email", "Address", "Technician"]
LOT_HEADER += ["Lots"]
CLIENT_HEADER = ["Client", "Name", "Date of birth", "Phone", "Email", "Address", "On file since"]
CLIENT_SUPPLY_HEADER = ["Date", "Session", "Product", "Lot", "Expiry", "Diluent", "Patch test"]


def _lot_search() -> LotSearch:
    return LotSearch(
        lot_number=request.args.get("lot", ""),
        gtin=request.args.get("gtin", ""),
        product_id=request.args.get("product_id", type=int),
        date_from=parse_date("from"),
        date_to=parse_date("to"),
    )


def _has_criteria() -> bool:
    return any(request.args.get(name) for name in ("lot", "gtin", "product_id"))


def lot_rows(page: Pagination) -> list[list]:
    """One CSV or report row per session: who to contact and which lots they received."""
    return [
        [
            row.session.id,
            row.session.started_at.date().isoformat(),
            row.session.status.value,
            row.session.client.full_name,
            row.session.client.phone,
            row.session.client.email,
            row.session.client.address,
            row.session.technician.name,
            "; ".join(use.label for use in row.lots),
        ]
        for row in page.items
    ]


def report_context(title: str, period: str, **context) -> dict:
    """What every printed report carries: clinic, period, when, and the audit chain's state."""
    return dict(
        clinic=current_user.clinic,
        title=title,
        period=period,
        generated_at=utcnow(),
        generated_by=current_user,
        chain=audit_log.verify_chain(),
        **context,
    )


def _period(search: LotSearch) -> str:
    start = search.date_from.isoformat() if search.date_from else "the first record"
    end = search.date_to.isoformat() if search.date_to else "today"
    return f"{start} to {end}"


@bp.get("/trace/lot")
def trace_lot():
    """Every session and client a lot reached, with contact details for notification."""
    args, page = listing(traceability.SESSION_SORTS, "date"), None
    if _has_criteria():
        try:
            page = traceability.trace_lot(
                current_user.clinic, _lot_search(), **args, per_page=PER_PAGE
            )
        except DomainError as error:
            flash(str(error), "error")
    products = traceability.list_products(current_user.clinic)
    return render_template("audit/trace_lot.html", page=page, listing=args, products=products)


@bp.get("/trace/lot.csv")
def trace_lot_csv():
    """The by-lot search as CSV, every row."""
    args = listing(traceability.SESSION_SORTS, "date")
    try:
        page = traceability.trace_lot(current_user.clinic, _lot_search(), **args, per_page=None)
    except DomainError as error:
        abort(400, str(error))
    return csv_response("lot-trace.csv", LOT_HEADER, lot_rows(page))


@bp.get("/trace/lot.pdf")
def trace_lot_pdf():
    """The by-lot search as a printed traceability report."""
    args, search = listing(traceability.SESSION_SORTS, "date"), _lot_search()
    try:
        page = traceability.trace_lot(current_user.clinic, search, **args, per_page=None)
    except DomainError as error:
        abort(400, str(error))
    title = f"Traceability of lot {search.lot_number or search.gtin or 'search'}"
    context = report_context(title, _period(search), header=LOT_HEADER, rows=lot_rows(page))
    return pdf_response("lot-trace.pdf", "audit/reports/table.html", **context)


def _client_or_404(client_id: int) -> Client:
    return own_or_404(Client, client_id)


@bp.get("/trace/clients")
def trace_clients():
    """Find a client by name, email or phone."""
    args = listing(client_history.CLIENT_SORTS, "name", descending=False)
    page = client_history.search_clients(
        current_user.clinic, request.args.get("q", ""), sort=args["sort"], page=args["page"]
    )
    return render_template("audit/trace_clients.html", page=page, listing=args)


@bp.get("/trace/clients.csv")
def trace_clients_csv():
    """The client search as CSV, every match, in the page's order."""
    args = listing(client_history.CLIENT_SORTS, "name", descending=False)
    page = client_history.search_clients(
        current_user.clinic, request.args.get("q", ""), sort=args["sort"], per_page=None
    )
    rows = ([c.id, c.full_name, c.date_of_birth.isoformat(), c.phone, c.email, c.address,
             c.created_at.date().isoformat()] for c in page.items)  # fmt: skip
    return csv_response("clients.csv", CLIENT_HEADER, rows)


def client_supply_rows(page: Pagination) -> list[list]:
    return [
        [
            use.used_at.date().isoformat(),
            use.session_id,
            use.lot.product.title,
            use.lot.lot_number,
            use.lot.expiry_date.isoformat() if use.lot.expiry_date else "",
            f"{use.diluent_lot.product.title} lot {use.diluent_lot.lot_number}"
            if use.diluent_lot
            else "",
            f"#{use.patch_test_id}" if use.patch_test_id else "",
        ]
        for use in page.items
    ]


@bp.get("/trace/clients/<int:client_id>")
def trace_client(client_id: int):
    """Every supply ever used on a client, with their patch tests and sessions."""
    client, args = _client_or_404(client_id), listing(client_history.CLIENT_SUPPLY_SORTS, "date")
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
    client, args = _client_or_404(client_id), listing(client_history.CLIENT_SUPPLY_SORTS, "date")
    page = client_history.client_supplies(client, **args, per_page=None)
    return csv_response(f"client-{client.id}.csv", CLIENT_SUPPLY_HEADER, client_supply_rows(page))


@bp.get("/trace/clients/<int:client_id>.pdf")
def trace_client_pdf(client_id: int):
    """A client's supplies as a printed traceability report."""
    client, args = _client_or_404(client_id), listing(client_history.CLIENT_SUPPLY_SORTS, "date")
    page = client_history.client_supplies(client, **args, per_page=None)
    context = report_context(
        f"Supplies used on {client.full_name}",
        "every session on record",
        header=CLIENT_SUPPLY_HEADER,
        rows=client_supply_rows(page),
    )
    return pdf_response(f"client-{client.id}.pdf", "audit/reports/table.html", **context)


def _technician() -> User | None:
    user = db.session.get(User, request.args.get("technician_id", 0, type=int))
    return user if user and user.clinic_id == current_user.clinic_id else None


def _technician_pages(technician: User, per_page: int | None) -> tuple[Pagination, Pagination]:
    period = {"date_from": parse_date("from"), "date_to": parse_date("to")}
    args = listing({**traceability.SESSION_SORTS, "completion": None}, "date")
    sessions = technician_activity.technician_sessions(
        current_user.clinic, technician, **period, **args, per_page=per_page
    )
    refusals = technician_activity.technician_refusals(
        current_user.clinic,
        technician,
        **period,
        page=request.args.get("rpage", 1, type=int),
        per_page=per_page,
    )
    return sessions, refusals


@bp.get("/trace/technician")
def trace_technician():
    """A technician's sessions, checklist completion and refusals over a period."""
    technician, sessions, refusals = _technician(), None, None
    args = listing({**traceability.SESSION_SORTS, "completion": None}, "date")
    if technician:
        try:
            sessions, refusals = _technician_pages(technician, PER_PAGE)
        except DomainError as error:
            flash(str(error), "error")
    return render_template(
        "audit/trace_technician.html",
        technician=technician,
        staff=technician_activity.list_staff(current_user.clinic),
        sessions=sessions,
        refusals=refusals,
        listing=args,
    )


@bp.get("/trace/technician.csv")
def trace_technician_csv():
    """A technician's sessions (or, with ?table=refusals, refusals) as CSV."""
    technician = _technician() or abort(404)
    try:
        sessions, refusals = _technician_pages(technician, None)
    except DomainError as error:
        abort(400, str(error))
    if request.args.get("table") == "refusals":
        rows = [[r.at.isoformat(), r.reason, r.message, r.session_id or ""] for r in refusals.items]
        return csv_response("refusals.csv", ["At", "Reason", "Message", "Session"], rows)
    header = ["Session", "Date", "Status", "Client", "Checklist ticked", "Checklist items", "%"]
    rows = [
        [r.session.id, r.session.started_at.isoformat(), r.session.status.value]
        + [r.session.client.full_name, r.answered, r.expected, r.completion]
        for r in sessions.items
    ]
    return csv_response("technician-sessions.csv", header, rows)
