"""The compliance dashboard, the auditor's entry page, and its panels as CSV for the same period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import abort, render_template, request
from flask_login import current_user

from smp_hygiene.csvexport import csv_response
from smp_hygiene.errors import refusal_label
from smp_hygiene.services.compliance import dashboard as dashboards
from smp_hygiene.services.compliance.dashboard import Dashboard
from smp_hygiene.services.reactions import operations as reactions
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.listing import day_after, day_start, parse_period

Table = tuple[list[str], list[list]]


@bp.get("/")
def dashboard():
    """Sessions, checklists, refusals, expiring lots and batch problems for a period."""
    now = utcnow()
    start, end = parse_period(request.args)
    end = end or now.date()
    board = dashboards.build_dashboard(current_user.clinic, day_start(start), day_after(end), now)
    return render_template(
        "audit/dashboard.html",
        board=board,
        start=start,
        end=end,
        now=now,
        notice_deadline=reactions.notice_deadline,
    )


def _day(moment: datetime | date | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def technicians(board: Dashboard, now: datetime) -> Table:
    header = ["Technician", "Sessions", "Completed", "Voided", "Full checklist", "Full checklist %"]
    rows = [
        [a.technician.name, a.sessions, a.completed, a.voided, a.checklist_complete]
        + ["" if a.checklist_percent is None else a.checklist_percent]
        for a in board.technicians
    ]
    return header, rows


def refusals(board: Dashboard, now: datetime) -> Table:
    rows = [[refusal_label(code), code, count] for code, count in board.refusals]
    return ["Reason", "Code", "Count"], rows


def expiring(board: Dashboard, now: datetime) -> Table:
    header = ["Product", "GTIN", "Lot", "Expires", "Days left", "Status"]
    rows = [
        [e.lot.product.title, e.lot.product.gtin, e.lot.lot_number, _day(e.expires_on)]
        + [e.days_left, "expired, still marked available" if e.days_left < 0 else ""]
        for e in board.expiring
    ]
    return header, rows


def batch_problems(board: Dashboard, now: datetime) -> Table:
    header = ["Product", "Lot", "Status", "Clients with reactions", "Reactions"]
    rows = [
        [p.lot.product.title, p.lot.lot_number, p.lot.status.value, p.clients, p.reactions]
        for p in board.batch_problems
    ]
    return header, rows


def notices(board: Dashboard, now: datetime) -> Table:
    header = ["Reaction", "Session", "Client", "Severity", "Reported at", "Due by", "Overdue"]
    rows = []
    for reaction in board.pending_notices:
        deadline = reactions.notice_deadline(reaction)
        rows.append(
            [reaction.id, reaction.session_id, reaction.session.client.full_name]
            + [reaction.severity.value, reaction.reported_at.isoformat()]
            + [
                deadline.isoformat() if deadline else "",
                "yes" if deadline and deadline < now else "",
            ]
        )
    return header, rows


def recalls(board: Dashboard, now: datetime) -> Table:
    header = ["Recall", "Product", "Reference", "Opened", "Clients affected", "Clients told"]
    header += ["Still to tell", "%"]
    rows = [
        [p.recall.id, p.recall.product.title, p.recall.source_reference, _day(p.recall.opened_at)]
        + [p.affected, p.notified, p.remaining, p.percent]
        for p in board.open_recalls
    ]
    return header, rows


def spore_tests(board: Dashboard, now: datetime) -> Table:
    header = ["Steriliser", "Serial", "Due since", "Last test"]
    rows = [
        [o.steriliser.name, o.steriliser.serial, _day(o.due_at)]
        + [_day(o.last_test.cycle.started_at) if o.last_test else "never"]
        for o in board.overdue_spore_tests
    ]
    return header, rows


PANELS: dict[str, Callable[[Dashboard, datetime], Table]] = {
    "technicians": technicians,
    "refusals": refusals,
    "expiring": expiring,
    "batch-problems": batch_problems,
    "notices": notices,
    "recalls": recalls,
    "spore-tests": spore_tests,
}
TITLES = {
    "technicians": "Sessions and checklist completion per technician",
    "refusals": "Refusals at the chair by reason",
    "expiring": "Lots expiring within 30 days",
    "batch-problems": "Possible batch problems",
    "notices": "Health-department notices not yet sent",
    "recalls": "Open recalls",
    "spore-tests": "Overdue spore tests",
}


def whole_dashboard(board: Dashboard, now: datetime, start: date, end: date) -> Table:
    """Every panel in one file, in the page's order: its title, its header, its rows, a blank."""
    rows: list[list] = []
    for name, panel in PANELS.items():
        header, panel_rows = panel(board, now)
        rows += [[TITLES[name]], header, *panel_rows, []]
    period = f"{start.isoformat()} to {end.isoformat()}"
    return ["Compliance dashboard", board.clinic.name, period], rows


@bp.get("/dashboard.csv")
def dashboard_csv():
    """One dashboard panel (?panel=technicians, refusals, ...) as CSV, or without ?panel= the
    whole dashboard, for the same period."""
    chosen = request.args.get("panel", "")
    if chosen and chosen not in PANELS:
        abort(404)
    now, (start, end) = utcnow(), parse_period(request.args)
    end = end or now.date()
    board = dashboards.build_dashboard(current_user.clinic, day_start(start), day_after(end), now)
    header, rows = PANELS[chosen](board, now) if chosen else whole_dashboard(board, now, start, end)
    name = f"dashboard-{chosen or 'all'}-{start.isoformat()}-{end.isoformat()}.csv"
    return csv_response(name, header, rows)
