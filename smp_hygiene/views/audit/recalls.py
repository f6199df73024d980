"""Recall pages: open one, follow who was told, export for mail merge, close with a reason."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from smp_hygiene.csvexport import csv_response
from smp_hygiene.errors import DomainError, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    NotificationChannel,
    Product,
    Recall,
    RecallScope,
    TreatmentSession,
)
from smp_hygiene.pdf import pdf_response
from smp_hygiene.services.recalls import operations as recalls
from smp_hygiene.services.recalls.queries import RECALL_SORTS
from smp_hygiene.services.traceability import lots
from smp_hygiene.views.audit import bp
from smp_hygiene.views.audit.listing import PER_PAGE, listing
from smp_hygiene.views.audit.traceability import report_context

AFFECTED_SORTS = ("name", "notified")
AFFECTED_HEADER = ["Client", "Email", "Phone", "Address", "Sessions", "Lots", "Notified"]
RECALL_HEADER = ["Recall", "Opened", "Product", "Scope", "Lots", "Reason", "Source"]
RECALL_HEADER += ["Affected clients", "Notified", "Closed", "Close reason"]


def _recall_or_404(recall_id: int) -> Recall:
    try:
        return recalls.get_recall(current_user.clinic, recall_id)
    except DomainError:
        abort(404)


def _lot_numbers(scope: RecallScope) -> list[str]:
    if scope is RecallScope.LOT_RANGE:
        return [request.form.get("range_first", ""), request.form.get("range_last", "")]
    return [part for part in re.split(r"[\n,;]+", request.form.get("lots", "")) if part.strip()]


def _scope() -> RecallScope:
    try:
        return RecallScope(request.form.get("scope", ""))
    except ValueError:
        raise InvalidInput("Choose what the recall covers.") from None


def _product() -> Product:
    product = db.session.get(Product, request.form.get("product_id", 0, type=int))
    if product is None or product.clinic_id != current_user.clinic_id:
        raise InvalidInput("Choose the recalled product.")
    return product


@bp.get("/recalls")
def recall_list():
    """The clinic's recalls with their notification progress."""
    args = listing(RECALL_SORTS, "opened")
    state = request.args.get("state", "all")
    page = recalls.list_recalls(current_user.clinic, state=state, **args, per_page=PER_PAGE)
    return render_template("audit/recalls.html", page=page, listing=args, state=state)


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


@bp.get("/recalls.csv")
def recall_list_csv():
    """The recall list as CSV."""
    args = listing(RECALL_SORTS, "opened")
    state = request.args.get("state", "all")
    page = recalls.list_recalls(current_user.clinic, state=state, **args, per_page=None)
    return csv_response("recalls.csv", RECALL_HEADER, recall_rows(page))


@bp.get("/recalls/new")
def recall_new():
    """The form that opens a recall of a lot, a range or list of lots, or a whole product."""
    products = lots.list_products(current_user.clinic)
    return render_template("audit/recall_new.html", products=products, scopes=list(RecallScope))


@bp.post("/recalls")
def recall_open():
    """Open a recall: its lots are blocked at the chair as soon as this commits."""
    try:
        scope = _scope()
        recall = recalls.open_recall(
            current_user,
            _product(),
            scope,
            _lot_numbers(scope),
            request.form.get("reason", ""),
            request.form.get("source_reference", ""),
        )
    except DomainError as error:
        flash(str(error), "error")
        return recall_new(), error.http_status
    db.session.commit()
    flash(f"Recall #{recall.id} opened: {len(recall.recall_lots)} lot(s) blocked.", "success")
    return redirect(url_for("audit.recall_show", recall_id=recall.id))


@bp.get("/recalls/<int:recall_id>")
def recall_show(recall_id: int):
    """A recall with its lots, affected clients and sessions, and the notification form."""
    recall, args = _recall_or_404(recall_id), listing(AFFECTED_SORTS, "name", descending=False)
    page = recalls.list_affected_clients(recall, **args, per_page=PER_PAGE)
    [progress] = recalls.recall_progress([recall])
    return render_template(
        "audit/recall_show.html",
        recall=recall,
        page=page,
        listing=args,
        progress=progress,
        channels=list(NotificationChannel),
    )


def affected_rows(page: Pagination) -> list[list]:
    """One row per client, for mail merge: contact details, sessions, lots, notified or not."""
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
        ]
        for row in page.items
    ]


@bp.get("/recalls/<int:recall_id>/clients.csv")
def recall_csv(recall_id: int):
    """Affected clients as CSV for mail merge."""
    recall, args = _recall_or_404(recall_id), listing(AFFECTED_SORTS, "name", descending=False)
    page = recalls.list_affected_clients(recall, **args, per_page=None)
    return csv_response(f"recall-{recall.id}-clients.csv", AFFECTED_HEADER, affected_rows(page))


@bp.get("/recalls/<int:recall_id>/report.pdf")
def recall_pdf(recall_id: int):
    """The recall as a printed report: what, why, source, and every affected client."""
    recall, args = _recall_or_404(recall_id), listing(AFFECTED_SORTS, "name", descending=False)
    page = recalls.list_affected_clients(recall, **args, per_page=None)
    period = f"opened {recall.opened_at.date().isoformat()}" + (
        f", closed {recall.closed_at.date().isoformat()}" if recall.closed_at else ", still open"
    )
    context = report_context(
        f"Recall #{recall.id}: {recall.product.title}",
        period,
        recall=recall,
        header=AFFECTED_HEADER,
        rows=affected_rows(page),
    )
    return pdf_response(f"recall-{recall.id}.pdf", "audit/reports/recall.html", **context)


def _notified_at() -> datetime | None:
    text = request.form.get("notified_at", "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput("The notification time is not a date and time.") from None


def _channel() -> NotificationChannel:
    try:
        return NotificationChannel(request.form.get("channel", ""))
    except ValueError:
        raise InvalidInput("Choose how the client was told.") from None


@bp.post("/recalls/<int:recall_id>/notifications")
def recall_notify(recall_id: int):
    """Mark an affected client notified: how, when, by whom (the signed-in auditor)."""
    recall = _recall_or_404(recall_id)
    client = db.get_or_404(Client, request.form.get("client_id", 0, type=int))
    session = db.session.get(TreatmentSession, request.form.get("session_id", 0, type=int))
    try:
        recalls.mark_client_notified(
            current_user,
            recall,
            client,
            _channel(),
            _notified_at(),
            request.form.get("note", ""),
            session,
        )
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{client.full_name} marked as notified.", "success")
    return redirect(url_for("audit.recall_show", recall_id=recall.id))


@bp.post("/recalls/<int:recall_id>/close")
def recall_close(recall_id: int):
    """Close a recall with a reason; its lots stay recalled."""
    recall = _recall_or_404(recall_id)
    try:
        recalls.close_recall(current_user, recall, request.form.get("close_reason", ""))
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Recall #{recall.id} closed. Its lots stay recalled.", "success")
    return redirect(url_for("audit.recall_show", recall_id=recall.id))
