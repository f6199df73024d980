"""The clinic's hygiene checklist: add an item, retire one; nothing is ever deleted."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from smp_hygiene.models import ChecklistItem
from smp_hygiene.services.sessions import checklists
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.admin.forms import ChecklistItemForm, submitted
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once


@bp.get("/checklist")
def checklist():
    """The items every session must tick, and those retired."""
    clinic = current_user.clinic
    return render_template(
        "admin/checklist.html",
        items=checklists.active_items(clinic),
        retired=checklists.retired_items(clinic),
        form=ChecklistItemForm(formdata=None),
    )


@bp.post("/checklist")
@once
def add_checklist_item():
    """Add an item at the end; sessions in progress must tick it too."""
    form = submitted(ChecklistItemForm())
    item = checklists.add_item(current_user.clinic, form.text.data, current_user)
    return done(url_for("admin.checklist"), f'Added "{item.text}".')


@bp.post("/checklist/<int:item_id>/retire")
@once
def retire_checklist_item(item_id: int):
    """Stop asking an item; records that ticked it keep it."""
    item = own_or_404(ChecklistItem, item_id)
    checklists.retire_item(item, current_user)
    message = f'Retired "{item.text}". Sealed records still show it.'
    return done(url_for("admin.checklist"), message)
