"""The clinic's hygiene checklist: add an item, retire one; nothing is ever deleted."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import ChecklistItem
from smp_hygiene.services.sessions import checklists
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.loading import own_or_404


@bp.get("/checklist")
def checklist():
    """The items every session must tick, and those retired."""
    clinic = current_user.clinic
    return render_template(
        "admin/checklist.html",
        items=checklists.active_items(clinic),
        retired=checklists.retired_items(clinic),
    )


@bp.post("/checklist")
def add_checklist_item():
    """Add an item at the end; sessions in progress must tick it too."""
    try:
        item = checklists.add_item(current_user.clinic, request.form.get("text", ""), current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f'Added "{item.text}".', "success")
    return redirect(url_for("admin.checklist"))


@bp.post("/checklist/<int:item_id>/retire")
def retire_checklist_item(item_id: int):
    """Stop asking an item; records that ticked it keep it."""
    item = own_or_404(ChecklistItem, item_id)
    try:
        checklists.retire_item(item, current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f'Retired "{item.text}". Sealed records still show it.', "success")
    return redirect(url_for("admin.checklist"))
