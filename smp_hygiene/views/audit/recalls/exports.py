"""Recall exports: the list as CSV, affected clients for mail merge, the printed report."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from smp_hygiene.csvexport import csv_response
from smp_hygiene.models import Recall
from smp_hygiene.pdf import pdf_response
from smp_hygiene.services.recalls import operations as recalls
from smp_hygiene.services.recalls.queries import RECALL_SORTS
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.listing import listing
from smp_hygiene.views.audit.reports import report_context
from smp_hygiene.views.loading import own_or_404

AFFECTED_SORTS = ("name", "notified")
AFFECTED_HEADER = ["Client", "Email", "Phone", "Address", "Sessions", "Lots", "Notified"]
AFFECTED_HEADER += ["Look-back"]
RECALL_HEADER = ["Recall", "Opened", "Product", "Scope", "Lots", "Reason", "Source"]
RECALL_HEADER += ["Affected clients", "Notified", "Closed", "Close reason"]


def recall_rows(page: Pagination) -> list[list]:
    return [
        [
            p.recall.id,
            p.recall.opened_at.date().isoformat(),
            p.recall.product.title,
            p.recall.scope.label,
            ", ".join(rl.lot.lot_number for rl in p.recall.recall_lots),
            p.recall.reason,
            p.recall.source_label,
            p.affected,
            p.notified,
            p.recall.closed_at.date().isoformat() if p.recall.closed_at else "",
            p.recall.close_reason,
        ]
        for p in page.items
    ]


def affected_rows(page: Pagination, recall: Recall) -> list[list]:
    """One row per client, for mail merge: contact details, sessions, lots, notified or not."""
    window = recall.lookback_label.removeprefix("Look-back: ")
    return [
        [
            row.client.full_name,
            row.client.email,
            row.client.phone,
            row.client.address,
            "; ".join(s.session.started_at.date().isoformat() for s in row.sessions),
            "; ".join(row.lot_labels),
            "; ".join(
                f"{n.notified_at.date().isoformat()} by {n.channel.label}"
                for n in row.notifications
            )
            or "no",
            window,
        ]
        for row in page.items
    ]


def _every_affected_client(recall: Recall) -> Pagination:
    args = listing(AFFECTED_SORTS, "name", descending=False)
    return recalls.list_affected_clients(recall, **args, per_page=None)


@bp.get("/recalls.csv")
def recall_list_csv():
    """The recall list as CSV."""
    args = listing(RECALL_SORTS, "opened")
    state = request.args.get("state", "all")
    page = recalls.list_recalls(current_user.clinic, state=state, **args, per_page=None)
    return csv_response("recalls.csv", RECALL_HEADER, recall_rows(page))


@bp.get("/recalls/<int:recall_id>/clients.csv")
def recall_csv(recall_id: int):
    """Affected clients as CSV for mail merge."""
    recall = own_or_404(Recall, recall_id)
    rows = affected_rows(_every_affected_client(recall), recall)
    return csv_response(f"recall-{recall.id}-clients.csv", AFFECTED_HEADER, rows)


@bp.get("/recalls/<int:recall_id>/report.pdf")
def recall_pdf(recall_id: int):
    """The recall as a printed report: what, why, source, and every affected client."""
    recall = own_or_404(Recall, recall_id)
    period = f"opened {recall.opened_at.date().isoformat()}" + (
        f", closed {recall.closed_at.date().isoformat()}" if recall.closed_at else ", still open"
    )
    context = report_context(
        f"Recall #{recall.id}: {recall.product.title}",
        period,
        recall=recall,
        header=AFFECTED_HEADER,
        rows=affected_rows(_every_affected_client(recall), recall),
    )
    return pdf_response(f"recall-{recall.id}.pdf", "audit/reports/recall.html", **context)
