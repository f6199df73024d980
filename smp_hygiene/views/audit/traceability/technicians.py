"""Traceability by technician: sessions with checklist completion, and refusals, over a period."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from smp_hygiene.csvexport import csv_response
from smp_hygiene.errors import refusal_label
from smp_hygiene.extensions import db
from smp_hygiene.models import User
from smp_hygiene.services.traceability import technician_activity
from smp_hygiene.services.traceability.lots import SESSION_SORTS
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.listing import PER_PAGE, listing, parse_date
from smp_hygiene.views.audit.traceability.refusals import bad_request, flashed
from smp_hygiene.views.ids import page_number, record_id
from smp_hygiene.views.writes import refusal_page

SESSIONS_HEADER = ["Session", "Date", "Status", "Client", "Checklist ticked", "Checklist items"]
SESSIONS_HEADER += ["%"]


def _technician() -> User | None:
    user = db.session.get(User, request.args.get("technician_id", 0, type=record_id))
    return user if user and user.clinic_id == current_user.clinic_id else None


def _listing() -> dict:
    return listing({**SESSION_SORTS, "completion": None}, "date")


def _technician_pages(technician: User, per_page: int | None) -> tuple[Pagination, Pagination]:
    period = {"date_from": parse_date("from"), "date_to": parse_date("to")}
    sessions = technician_activity.technician_sessions(
        current_user.clinic, technician, **period, **_listing(), per_page=per_page
    )
    refusals = technician_activity.technician_refusals(
        current_user.clinic,
        technician,
        **period,
        page=request.args.get("rpage", 1, type=page_number),
        per_page=per_page,
    )
    return sessions, refusals


def _technician_page(pages: tuple | None = None):
    sessions, refusals = pages or (None, None)
    return render_template(
        "audit/trace_technician.html",
        technician=_technician(),
        staff=technician_activity.list_technicians(current_user.clinic),
        sessions=sessions,
        refusals=refusals,
        listing=_listing(),
    )


@bp.get("/trace/technician")
@refusal_page(flashed(_technician_page))
def trace_technician():
    """A technician's sessions, checklist completion and refusals over a period."""
    technician = _technician()
    return _technician_page(_technician_pages(technician, PER_PAGE) if technician else None)


@bp.get("/trace/technician.csv")
@refusal_page(bad_request)
def trace_technician_csv():
    """A technician's sessions (or, with ?table=refusals, refusals) as CSV."""
    sessions, refusals = _technician_pages(_technician() or abort(404), None)
    if request.args.get("table") == "refusals":
        rows = [
            [r.at.isoformat(), refusal_label(r.reason), r.message, r.session_id or "", r.reason]
            for r in refusals.items
        ]
        return csv_response("refusals.csv", ["At", "Reason", "Message", "Session", "Code"], rows)
    rows = [
        [r.session.id, r.session.started_at.isoformat(), r.session.status.value]
        + [r.session.client.full_name, r.answered, r.expected, r.completion]
        for r in sessions.items
    ]
    return csv_response("technician-sessions.csv", SESSIONS_HEADER, rows)
