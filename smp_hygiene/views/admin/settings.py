"""Clinic settings: the rule figures each clinic chooses within safe bounds, sterilisation too."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError
from smp_hygiene.services.people import clinics
from smp_hygiene.services.sterilisation import sterilisers
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.admin.forms import ClinicSettingsForm, submitted
from smp_hygiene.views.clinic_forms import SettingsForm
from smp_hygiene.views.writes import done, once, refusal_page


def _page(status: int = 200, rules=None, sterilisation=None):
    """The settings page; a refused form is shown again as typed, the other as saved."""
    clinic = current_user.clinic
    saved = sterilisers.settings_for(clinic)
    return render_template(
        "admin/settings.html",
        clinic=clinic,
        form=rules or ClinicSettingsForm(formdata=None, obj=clinic),
        bounds=clinics.SETTING_BOUNDS,
        sterilisation=sterilisation or SettingsForm(formdata=None, obj=saved),
    ), status


def _rules_refused(error: DomainError):
    flash(str(error), "error")
    return _page(error.http_status, rules=getattr(error, "form", None) or ClinicSettingsForm())


def _sterilisation_refused(error: DomainError):
    flash(str(error), "error")
    form = getattr(error, "form", None) or SettingsForm()
    return _page(error.http_status, sterilisation=form)


@bp.get("/")
def settings():
    """The clinic's rule settings, with what each one means."""
    return _page()


@bp.post("/settings")
@refusal_page(_rules_refused)
@once
def update_settings():
    """Save the rule settings; every change is audited with its before and after."""
    form = submitted(ClinicSettingsForm())
    clinics.update_settings(current_user.clinic, current_user, **form.values())
    return done(url_for("admin.settings"), "Clinic settings saved.")


@bp.post("/settings/sterilisation")
@refusal_page(_sterilisation_refused)
@once
def update_sterilisation_settings():
    """Save the sterilisation rules (spore tests, packs, indicators); audited like the rest."""
    message = "Check the sterilisation settings: one of them is not valid."
    form = submitted(SettingsForm(), message)
    sterilisers.update_settings(current_user.clinic, current_user, **form.values())
    return done(url_for("admin.settings"), "Sterilisation settings saved.")
