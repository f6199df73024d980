"""Today: the clinic's bookings, the technician's sessions, and where a new one starts."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from smp_hygiene.models import SessionStatus
from smp_hygiene.services.aftercare import checkins, schedule
from smp_hygiene.services.bookings import readiness
from smp_hygiene.services.consent import consents
from smp_hygiene.services.people import clients
from smp_hygiene.services.sessions import worklists
from smp_hygiene.views.chair.blueprint import bp


@bp.get("/")
def today():
    """Today's bookings with what each still needs, sessions in progress and done today; find a
    client to start or book the next one."""
    search = request.args.get("q", "").strip()
    found = clients.list_clients(current_user.clinic_id, search) if search else []
    return render_template(
        "chair/today.html",
        sessions=worklists.list_sessions_today(current_user),
        day=readiness.day_sheet(current_user),
        in_progress=SessionStatus.IN_PROGRESS,
        search=search,
        found=[(client, consents.current_consent(client)) for client in found],
        flagged=checkins.list_flagged(current_user.clinic),
        to_send=schedule.reminders_to_send(current_user.clinic),
    )
