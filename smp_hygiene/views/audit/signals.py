"""Early-warning signals for the auditor: the lot, its reactions, who was treated with it, the
one-step quarantine, and the inspector's report of decisions and how long they took."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired

from smp_hygiene.csvexport import csv_response
from smp_hygiene.models import ReactionSignal
from smp_hygiene.services.reactions import signal_decisions as decisions
from smp_hygiene.services.reactions import signals
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.forms import BaseForm
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once

REPORT_HEADER = ["signal", "subject", "reactions", "threshold", "window_days", "raised_at",
                 "decision", "decided_at", "decided_by", "took", "reason"]  # fmt: skip


class DecisionForm(BaseForm):
    reason = StringField("Your reason (goes on the record)", validators=[DataRequired()])


@bp.get("/signals", endpoint="signals")
def signals_list():
    """Every signal, open ones first, and the link to the inspector's report."""
    found = decisions.list_signals(current_user.clinic)
    return render_template("audit/signals.html", signals=found)


@bp.get("/signals/<int:signal_id>")
def signal(signal_id: int):
    """One signal: its lot, the reactions, and every client treated with the lot."""
    found = own_or_404(ReactionSignal, signal_id)
    return render_template("audit/signal.html", signal=found, form=DecisionForm(formdata=None),
                           exposed=signals.exposed_sessions(found),
                           lots=decisions.lots_to_quarantine(found))  # fmt: skip


def _decision(signal_id: int):
    found, form = own_or_404(ReactionSignal, signal_id), DecisionForm()
    if not form.validate_on_submit():
        flash("Give the reason for your decision.", "error")
        return found, None
    return found, form.reason.data


@bp.post("/signals/<int:signal_id>/quarantine")
@once
def signal_quarantine(signal_id: int):
    """Quarantine the signal's lots in one step; the chair refuses them from now on."""
    found, reason = _decision(signal_id)
    if reason is None:
        return redirect(url_for("audit.signal", signal_id=signal_id))
    lots = decisions.quarantine_signal(found, current_user, reason)
    named = ", ".join(lot.lot_number for lot in lots) or "no lot still in use"
    return done(url_for("audit.signal", signal_id=signal_id), f"Quarantined: {named}.")


@bp.post("/signals/<int:signal_id>/dismiss")
@once
def signal_dismiss(signal_id: int):
    """Close the signal without quarantine, with the reason."""
    found, reason = _decision(signal_id)
    if reason is None:
        return redirect(url_for("audit.signal", signal_id=signal_id))
    decisions.dismiss_signal(found, current_user, reason)
    return done(url_for("audit.signal", signal_id=signal_id), f"Signal {signal_id} dismissed.")


@bp.get("/signals/report")
def signal_report():
    """For an inspector: signals raised, the decision taken and how long each took."""
    lines = decisions.signal_report(current_user.clinic)
    return render_template("audit/signal_report.html", lines=lines)


@bp.get("/signals/report.csv")
def signal_report_csv():
    """The inspector's report as CSV (UTC)."""
    rows = ([line.signal.id, line.signal.subject, len(line.signal.reactions),
             line.signal.threshold, line.signal.window_days, _utc(line.signal.raised_at),
             line.signal.status.value, _utc(line.signal.decided_at),
             line.signal.decided_by.name if line.signal.decided_by else "", line.took_words,
             line.signal.decision_reason]
            for line in decisions.signal_report(current_user.clinic))  # fmt: skip
    return csv_response("reaction-signals.csv", REPORT_HEADER, rows)


def _utc(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""
