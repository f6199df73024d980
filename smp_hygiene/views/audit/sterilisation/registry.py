"""The steriliser registry: list, register, export, and the clinic's sterilisation settings
(read by auditors, changed by admins)."""

from __future__ import annotations

from datetime import datetime, time

from flask import flash, render_template, url_for
from flask_login import current_user

from smp_hygiene.csvexport import csv_response
from smp_hygiene.errors import DomainError
from smp_hygiene.models import SteriliserType
from smp_hygiene.services.people.permissions import ADMIN_ROLES, can_administer
from smp_hygiene.services.sterilisation import spore_tests
from smp_hygiene.services.sterilisation import sterilisers as sterilisation
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.sterilisation import forms
from smp_hygiene.views.auth import role_required
from smp_hygiene.views.clinic_forms import SettingsForm
from smp_hygiene.views.clock import from_clinic_time
from smp_hygiene.views.writes import done, once, refusal_page

REGISTRY_HEADER = ["Name", "Serial", "Type", "Status", "Status reason", "Installed", "Spore test"]


def _overdue() -> dict:
    found = spore_tests.overdue_spore_tests(current_user.clinic, utcnow())
    return {overdue.steriliser.id: overdue for overdue in found}


@bp.get("/sterilisation/")
def sterilisers(form: forms.SteriliserForm | None = None, status: int = 200):
    """The clinic's sterilisers, with their state and any overdue spore test."""
    return render_template(
        "audit/sterilisation/index.html",
        sterilisers=sterilisation.list_sterilisers(current_user.clinic),
        overdue=_overdue(),
        form=form or forms.SteriliserForm(),
    ), status


def _register_refused(error: DomainError):
    """The form comes back with what was typed and why it was refused."""
    flash(str(error), "error")
    return sterilisers(forms.SteriliserForm(), error.http_status)


@bp.post("/sterilisation/")
@once
@refusal_page(_register_refused)
def register_steriliser():
    """Add a steriliser to the registry."""
    form = forms.SteriliserForm()
    if not form.validate_on_submit():
        return sterilisers(form, 422)
    found = sterilisation.register_steriliser(
        current_user.clinic, current_user, form.name.data, form.serial.data,
        SteriliserType(form.kind.data),
        from_clinic_time(datetime.combine(form.installed_on.data, time())),
    )  # fmt: skip
    return done(url_for("audit.steriliser", steriliser_id=found.id), f"{found.name} registered.")


def _settings_page(form: SettingsForm | None = None, status: int = 200):
    """Admins get the form; auditors read the values, since these rules check their own work."""
    saved = sterilisation.settings_for(current_user.clinic)
    if form is None and can_administer(current_user):
        form = SettingsForm(formdata=None, obj=saved)
    page = render_template("audit/sterilisation/settings.html", settings=saved, form=form)
    return page, status


def _settings_refused(error: DomainError):
    """The settings come back as typed, with why they were refused."""
    flash(str(error), "error")
    return _settings_page(SettingsForm(), error.http_status)


@bp.get("/sterilisation/settings")
def sterilisation_settings():
    """The clinic's spore-test interval, overdue mode, shelf life and indicator rules."""
    return _settings_page()


@bp.post("/sterilisation/settings")
@role_required(*ADMIN_ROLES)
@once
@refusal_page(_settings_refused)
def update_sterilisation_settings():
    """Change the sterilisation rules: admins only, as on the clinic settings page."""
    form = SettingsForm()
    if not form.validate_on_submit():
        return _settings_page(form, 422)
    sterilisation.update_settings(current_user.clinic, current_user, **form.values())
    return done(url_for("audit.sterilisation_settings"), "Sterilisation settings saved.")


def _at(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


@bp.get("/sterilisation/sterilisers.csv")
def sterilisers_csv():
    """The steriliser registry as CSV, with each one's spore-test state."""
    overdue = _overdue()
    rows = (
        [s.name, s.serial, s.type.label, s.status.value, s.status_reason, _at(s.installed_at)]
        + [f"overdue since {overdue[s.id].due_at.date()}" if s.id in overdue else "current"]
        for s in sterilisation.list_sterilisers(current_user.clinic)
    )
    return csv_response("sterilisers.csv", REGISTRY_HEADER, rows)
