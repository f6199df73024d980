"""New clients, registered at the chair before their consent."""

from __future__ import annotations

from datetime import date

from flask import render_template, url_for
from flask_login import current_user
from wtforms import StringField, TextAreaField

from smp_hygiene.errors import DomainError
from smp_hygiene.services.people import clients
from smp_hygiene.views.chair.blueprint import bp
from smp_hygiene.views.forms import BaseForm
from smp_hygiene.views.writes import done, once, refusal_page


class ClientForm(BaseForm):
    """Name, birth date and contact; the service judges them (a name, a plausible date)."""

    full_name = StringField()
    date_of_birth = StringField()  # parsed by parse_birth_date: a bad date is the rule's refusal
    phone = StringField()
    email = StringField()
    address = TextAreaField()

    def contact(self) -> dict[str, str]:
        return {k: self[k].data or "" for k in ("phone", "email", "address")}


def parse_birth_date(text: str | None) -> date:
    """An unreadable date becomes one no rule accepts, so the refusal says what to check."""
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return date.max


def _page(form: ClientForm, error: DomainError | None = None, status: int = 200):
    values = {k: v for k, v in form.data.items() if v is not None}
    return render_template("chair/new_client.html", values=values, error=error), status


def _refused(error: DomainError):
    return _page(ClientForm(), error, error.http_status)


@bp.get("/clients/new")
def new_client():
    """The short form for a client seen for the first time."""
    return _page(ClientForm())


@bp.post("/clients")
@refusal_page(_refused)
@once
def create_client():
    """Register the client, then go straight to their consent form."""
    form = ClientForm()
    name, born = form.full_name.data or "", parse_birth_date(form.date_of_birth.data)
    client = clients.register_client(current_user, name, born, **form.contact())
    target = url_for("chair.consent", client_id=client.id)
    return done(target, "Client added. Now the consent form.")
