"""Traceability by lot: every session and client a lot reached, on screen, as CSV and as PDF."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from smp_hygiene.csvexport import csv_response
from smp_hygiene.pdf import pdf_response
from smp_hygiene.services.listing import Page
from smp_hygiene.services.traceability import lots as traceability
from smp_hygiene.services.traceability.lots import LotSearch
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.listing import PER_PAGE, listing, parse_date
from smp_hygiene.views.audit.reports import report_context
from smp_hygiene.views.audit.traceability.refusals import bad_request, flashed
from smp_hygiene.views.ids import record_id
from smp_hygiene.views.writes import refusal_page

LOT_HEADER = ["Session", "Date", "Status", "Client", "Phone", "Email", "Address", "Technician"]
LOT_HEADER += ["Lots", "Technician's licence"]


def _lot_search() -> LotSearch:
    return LotSearch(
        lot_number=request.args.get("lot", ""),
        gtin=request.args.get("gtin", ""),
        product_id=request.args.get("product_id", type=record_id),
        date_from=parse_date("from"),
        date_to=parse_date("to"),
    )


def _has_criteria() -> bool:
    return any(request.args.get(name) for name in ("lot", "gtin", "product_id"))


def _search(per_page: int | None, after: int | None = None) -> Page:
    args = listing(traceability.SESSION_SORTS, "date")
    return traceability.trace_lot(
        current_user.clinic, _lot_search(), **args, per_page=per_page, after=after
    )


def lot_rows(page: Page) -> list[list]:
    """One CSV or report row per session: who to contact and which lots they received."""
    return [
        [
            row.id,
            row.started_at.date().isoformat(),
            row.status.value,
            row.client_name,
            row.phone,
            row.email,
            row.address,
            row.technician,
            "; ".join(use.label for use in row.lots),
            row.licence or "not recorded",  # inspectors ask for it
        ]
        for row in page.items
    ]


def _period(search: LotSearch) -> str:
    start = search.date_from.isoformat() if search.date_from else "the first record"
    end = search.date_to.isoformat() if search.date_to else "today"
    return f"{start} to {end}"


def _lot_page(page: Page | None = None):
    args = listing(traceability.SESSION_SORTS, "date")
    products = traceability.list_products(current_user.clinic)
    return render_template("audit/trace_lot.html", page=page, listing=args, products=products)


@bp.get("/trace/lot")
@refusal_page(flashed(_lot_page))
def trace_lot():
    """Every session and client a lot reached, with contact details for notification."""
    after = request.args.get("after", type=record_id)
    return _lot_page(_search(PER_PAGE, after) if _has_criteria() else None)


@bp.get("/trace/lot.csv")
@refusal_page(bad_request)
def trace_lot_csv():
    """The by-lot search as CSV, every row."""
    return csv_response("lot-trace.csv", LOT_HEADER, lot_rows(_search(None)))


@bp.get("/trace/lot.pdf")
@refusal_page(bad_request)
def trace_lot_pdf():
    """The by-lot search as a printed traceability report."""
    search, page = _lot_search(), _search(None)
    title = f"Traceability of lot {search.lot_number or search.gtin or 'search'}"
    context = report_context(title, _period(search), header=LOT_HEADER, rows=lot_rows(page))
    return pdf_response("lot-trace.pdf", "audit/reports/table.html", **context)
