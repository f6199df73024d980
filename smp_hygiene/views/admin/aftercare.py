"""Aftercare settings: follow-up days, the itching flag, and the early-warning thresholds."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_login import current_user
from wtforms import StringField

from smp_hygiene.errors import DomainError
from smp_hygiene.services.aftercare import settings as aftercare
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.admin.forms import submitted
from smp_hygiene.views.forms import BaseForm, OptionalWholeNumberField, WholeNumberField
from smp_hygiene.views.writes import done, once, refusal_page


class AftercareForm(BaseForm):
    follow_up_days = StringField("Check-in days after the session, e.g. 3, 7, 28 (empty: none)")
    itching_flag_days = WholeNumberField("Flag itching reported more than this many days after")
    lot_signal_threshold = WholeNumberField("Signal when one lot has this many reactions")
    product_signal_threshold = OptionalWholeNumberField(
        "Signal when one pigment (any lot) has this many reactions"
    )
    signal_window_days = WholeNumberField("…within this many days")

    def values(self) -> dict:
        return {name: self[name].data for name in aftercare.DEFAULTS}


def _page(form: AftercareForm | None = None, status: int = 200):
    saved = aftercare.settings_for(current_user.clinic)
    form = form or AftercareForm(formdata=None, obj=saved)
    return render_template("admin/aftercare.html", form=form), status


def _refused(error: DomainError):
    flash(str(error), "error")
    return _page(getattr(error, "form", None) or AftercareForm(), error.http_status)


@bp.get("/aftercare")
def aftercare_page():
    """The clinic's aftercare and early-warning settings."""
    return _page()


@bp.post("/aftercare")
@refusal_page(_refused)
@once
def update_aftercare():
    """Save the aftercare settings; audited with before and after."""
    form = submitted(AftercareForm())
    aftercare.update_settings(current_user.clinic, current_user, **form.values())
    return done(url_for("admin.aftercare_page"), "Aftercare settings saved.")
