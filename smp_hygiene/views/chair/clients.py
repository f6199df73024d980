"""New clients, registered at the chair before their consent."""

from __future__ import annotations

from datetime import date

from flask import render_template, request, url_for
from flask_login import current_user

from smp_hygiene.services.people import clients
from smp_hygiene.views.chair import bp
from smp_hygiene.views.chair.support import submit_once


def parse_birth_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@bp.get("/clients/new")
def new_client():
    """The short form for a client seen for the first time."""
    return render_template("chair/new_client.html", values={})


@bp.post("/clients")
def create_client():
    """Register the client, then go straight to their consent form."""
    form = request.form
    born = parse_birth_date(form.get("date_of_birth", "")) or date.max

    def action() -> str:
        contact = {k: form.get(k, "") for k in ("phone", "email", "address")}
        client = clients.register_client(current_user, form.get("full_name", ""), born, **contact)
        return url_for("chair.consent", client_id=client.id)

    outcome = submit_once(action, success="Client added. Now the consent form.")
    if isinstance(outcome, Exception):
        return render_template(
            "chair/new_client.html", values=form, error=outcome
        ), outcome.http_status
    return outcome
