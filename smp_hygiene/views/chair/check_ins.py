"""Aftercare check-ins at the chair: call back a flagged client, send a check-in by hand."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired

from smp_hygiene.models import FollowUp
from smp_hygiene.services.aftercare import checkins, schedule
from smp_hygiene.views.chair.blueprint import bp
from smp_hygiene.views.forms import BaseForm, ButtonForm
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once


class CalledForm(BaseForm):
    note = StringField("What the client said", validators=[DataRequired()])


@bp.post("/check-ins/<int:follow_up_id>/called")
@once
def check_in_called(follow_up_id: int):
    """The technician called the flagged client: the flag comes down with their note."""
    follow_up, form = own_or_404(FollowUp, follow_up_id), CalledForm()
    if not form.validate_on_submit():
        flash("Note what the client said when you called, or that they did not answer.", "error")
        return redirect(url_for("chair.today"))
    checkins.clear_flag(follow_up, current_user, form.note.data)
    name = follow_up.session.client.full_name
    return done(url_for("chair.today"), f"Flag cleared for {name}'s day {follow_up.day} check-in.")


@bp.post("/check-ins/<int:follow_up_id>/sent")
@once
def check_in_sent(follow_up_id: int):
    """Someone sent the check-in's link by hand: it leaves the list to send."""
    follow_up = own_or_404(FollowUp, follow_up_id)
    if ButtonForm().validate_on_submit():
        schedule.mark_reminded(follow_up, current_user)
    return done(url_for("chair.today"), "Check-in marked as sent.")
