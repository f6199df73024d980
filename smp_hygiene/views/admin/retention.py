"""Retention for the admin: who is due for erasure, who is held and why, and erasing after a
confirmation step (the `erase-due-clients` CLI does the same through the same service)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user
from wtforms import BooleanField
from wtforms.validators import DataRequired

from smp_hygiene.models import Client
from smp_hygiene.services.people import retention
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.admin.forms import submitted
from smp_hygiene.views.forms import BaseForm, WholeNumberField
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once


class EraseClientForm(BaseForm):
    """The confirmation: erasure cannot be undone."""

    confirm = BooleanField(
        "I understand that this client's name, birth date, contact details, notes and consent "
        "identity data are erased for good",
        validators=[DataRequired("Tick the box to confirm the erasure.")],
    )


class EraseDueForm(BaseForm):
    """The confirmation for everyone due: the admin types how many clients they saw listed."""

    expected = WholeNumberField("Type the number of clients to erase", low=1)


@bp.get("/retention", endpoint="retention")
def retention_page():
    """Clients past the retention period: due for erasure, or held and why."""
    review = retention.review_retention(current_user.clinic)
    return render_template("admin/retention.html", review=review, clinic=current_user.clinic)


@bp.get("/retention/clients/<int:client_id>/erase")
def confirm_erase(client_id: int):
    """What erasing this client does, and the box to tick; or why they cannot be erased yet."""
    client = own_or_404(Client, client_id)
    status = retention.retention_status(client)
    form = EraseClientForm(formdata=None)
    return render_template("admin/retention_erase.html", client=client, status=status, form=form)


@bp.post("/retention/clients/<int:client_id>/erase")
@once
def erase_client(client_id: int):
    """Erase one client's personal data once confirmed; a held client is refused, with why."""
    client = own_or_404(Client, client_id)
    submitted(EraseClientForm())
    retention.anonymise_client(client, current_user)
    message = f"The personal data of client #{client.id} was erased; the treatment record stays."
    return done(url_for("admin.retention"), message)


@bp.get("/retention/erase-due")
def confirm_erase_due():
    """Every client due, and the count to type to erase them all."""
    due = retention.list_due(current_user.clinic)
    form = EraseDueForm(formdata=None)
    return render_template("admin/retention_erase_due.html", due=due, form=form)


@bp.post("/retention/erase-due")
@once
def erase_due():
    """Erase every client due, if the count typed is the count due now; held clients stay."""
    form = submitted(EraseDueForm())
    erased = retention.erase_due_clients(current_user.clinic, current_user, form.expected.data)
    message = f"The personal data of {erased} client(s) was erased; the treatment records stay."
    return done(url_for("admin.retention"), message)
