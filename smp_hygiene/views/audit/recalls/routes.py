"""Recall pages: the list, opening one, its affected clients, telling them, closing it."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError
from smp_hygiene.models import (
    Client,
    NotificationChannel,
    NotificationKind,
    Recall,
    RecallScope,
)
from smp_hygiene.services.notifications import outbox
from smp_hygiene.services.recalls import operations as recalls
from smp_hygiene.services.recalls.queries import RECALL_SORTS
from smp_hygiene.services.traceability import lots
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.listing import PER_PAGE, listing
from smp_hygiene.views.audit.recalls.exports import AFFECTED_SORTS
from smp_hygiene.views.audit.recalls.forms import (
    CloseRecallForm,
    LookbackForm,
    NotifyForm,
    OpenRecallForm,
)
from smp_hygiene.views.forms import ButtonForm
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once, refusal_page


@bp.get("/recalls")
def recall_list():
    """The clinic's recalls with their notification progress."""
    args = listing(RECALL_SORTS, "opened")
    state = request.args.get("state", "all")
    page = recalls.list_recalls(current_user.clinic, state=state, **args, per_page=PER_PAGE)
    return render_template("audit/recalls.html", page=page, listing=args, state=state)


@bp.get("/recalls/new")
def recall_new(preview: recalls.RecallMatch | None = None):
    """The form that opens a recall of a lot, a range or list of lots, or a whole product."""
    return render_template(
        "audit/recall_new.html",
        products=lots.list_products(current_user.clinic),
        scopes=list(RecallScope),
        preview=preview,
        lookback_floor=recalls.lookback_floor(utcnow().date()),
    )


def _recall_refused(error: DomainError):
    """The form comes back with what was typed and why it was refused."""
    flash(str(error), "error")
    return recall_new(), error.http_status


@bp.post("/recalls/preview")
@refusal_page(_recall_refused)
def recall_preview():
    """Show which lot codes the notice's text was read as and which received lots match."""
    form = OpenRecallForm()
    if not form.validate_on_submit():
        abort(400)
    scope = form.parsed_scope()
    match = recalls.preview_recall(current_user, form.product(), scope, form.lot_numbers(scope))
    return recall_new(preview=match)


@bp.post("/recalls")
@once
@refusal_page(_recall_refused)
def recall_open():
    """Open a recall: its lots are blocked at the chair as soon as this commits."""
    form = OpenRecallForm()
    if not form.validate_on_submit():
        abort(400)
    scope = form.parsed_scope()
    recall = recalls.open_recall(
        current_user, form.product(), scope, form.lot_numbers(scope),
        form.reason.data, form.source_reference.data, form.parsed_lookback_from(),
    )  # fmt: skip
    return done(url_for("audit.recall_show", recall_id=recall.id), opened_message(recall))


def opened_message(recall: Recall) -> str:
    """What opening did: lots blocked now, or none held yet and blocked when they arrive."""
    if not recall.recall_lots:
        return (
            f"Recall #{recall.id} opened. Nothing received here matches yet: "
            "these lots are blocked when they arrive."
        )
    return f"Recall #{recall.id} opened: {len(recall.recall_lots)} lot(s) blocked."


@bp.get("/recalls/<int:recall_id>")
def recall_show(recall_id: int):
    """A recall with its lots, affected clients and sessions, and the notification form."""
    recall, args = own_or_404(Recall, recall_id), listing(AFFECTED_SORTS, "name", descending=False)
    page = recalls.list_affected_clients(recall, **args, per_page=PER_PAGE)
    [progress] = recalls.recall_progress([recall])
    return render_template(
        "audit/recall_show.html",
        recall=recall,
        page=page,
        listing=args,
        progress=progress,
        channels=list(NotificationChannel),
        emails=outbox.notices_by_client(NotificationKind.RECALL, recall.id),
    )


@bp.post("/recalls/<int:recall_id>/emails")
@once
def recall_email(recall_id: int):
    """Queue one email per affected client; a worker sends them once this has committed."""
    recall = own_or_404(Recall, recall_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    result = outbox.queue_recall_notices(current_user, recall)
    return done(url_for("audit.recall_show", recall_id=recall.id), result.message)


@bp.post("/recalls/<int:recall_id>/notifications")
@once
def recall_notify(recall_id: int):
    """Mark an affected client notified: how, when, by whom (the signed-in auditor)."""
    recall, form = own_or_404(Recall, recall_id), NotifyForm()
    if not form.validate_on_submit():
        abort(400)
    client = own_or_404(Client, form.client_id.data or 0)
    recalls.mark_client_notified(
        current_user, recall, client, form.parsed_channel(), form.parsed_notified_at(),
        form.note.data, form.session(),
    )  # fmt: skip
    return done(
        url_for("audit.recall_show", recall_id=recall.id), f"{client.full_name} marked as notified."
    )


@bp.post("/recalls/<int:recall_id>/lookback")
@once
def recall_widen(recall_id: int):
    """Start the look-back earlier, so clients treated before it are listed too."""
    recall, form = own_or_404(Recall, recall_id), LookbackForm()
    if not form.validate_on_submit():
        abort(400)
    recalls.widen_lookback(current_user, recall, form.parsed_lookback_from())
    return done(
        url_for("audit.recall_show", recall_id=recall.id),
        f"The look-back now starts on {recall.lookback_start}.",
    )


@bp.post("/recalls/<int:recall_id>/close")
@once
def recall_close(recall_id: int):
    """Close a recall with a reason; its lots stay recalled."""
    recall, form = own_or_404(Recall, recall_id), CloseRecallForm()
    if not form.validate_on_submit():
        abort(400)
    recalls.close_recall(current_user, recall, form.close_reason.data)
    return done(
        url_for("audit.recall_show", recall_id=recall.id),
        f"Recall #{recall.id} closed. Its lots stay recalled.",
    )
