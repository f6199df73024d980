"""Clinic settings: the rule figures each clinic chooses within safe bounds, sterilisation too."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import PatchTestMode
from smp_hygiene.services.people import clinics
from smp_hygiene.services.sterilisation import sterilisers
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.clinic_forms import SettingsForm

NUMBER_FIELDS = {
    "patch_test_min_hours": "Patch test: hours before it may be read",
    "patch_test_valid_days": "Patch test: days a negative result stays valid",
    "healing_gap_days": "Days between sessions on the same client",
    "retention_years": "Years records are kept",
}


def parse_settings() -> dict:
    """The settings form as typed values; the service checks the bounds."""
    values: dict = {}
    for name, label in NUMBER_FIELDS.items():
        raw = request.form.get(name, "").strip()
        if not raw.isdigit():
            raise InvalidInput(f"{label}: enter a whole number.")
        values[name] = int(raw)
    mode = request.form.get("patch_test_mode", "")
    if mode not in {m.value for m in PatchTestMode}:
        raise InvalidInput("Choose whether a missing patch test blocks or warns.")
    values["patch_test_mode"] = PatchTestMode(mode)
    values["requires_eu_ink_label"] = request.form.get("requires_eu_ink_label") == "on"
    values["timezone"] = request.form.get("timezone", "").strip() or "UTC"
    return values


def _render(status: int = 200, values: dict | None = None, sterilisation=None):
    clinic = current_user.clinic
    names = (*NUMBER_FIELDS, "patch_test_mode", "requires_eu_ink_label", "timezone")
    saved = sterilisers.settings_for(clinic)
    return render_template(
        "admin/settings.html",
        clinic=clinic,
        values=values or {name: getattr(clinic, name) for name in names},
        labels=NUMBER_FIELDS,
        bounds=clinics.SETTING_BOUNDS,
        sterilisation=sterilisation or SettingsForm(formdata=None, obj=saved),
    ), status


@bp.get("/")
def settings():
    """The clinic's rule settings, with what each one means."""
    return _render()


@bp.post("/settings")
def update_settings():
    """Save the rule settings; every change is audited with its before and after."""
    try:
        clinics.update_settings(current_user.clinic, current_user, **parse_settings())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        typed = request.form.get("requires_eu_ink_label") == "on"
        return _render(error.http_status, {**request.form, "requires_eu_ink_label": typed})
    db.session.commit()
    flash("Clinic settings saved.", "success")
    return redirect(url_for("admin.settings"))


@bp.post("/settings/sterilisation")
def update_sterilisation_settings():
    """Save the sterilisation rules (spore tests, packs, indicators); audited like the rest."""
    form = SettingsForm()
    if not form.validate_on_submit():
        flash("Check the sterilisation settings: one of them is not valid.", "error")
        return _render(422, sterilisation=form)
    try:
        sterilisers.update_settings(current_user.clinic, current_user, **form.values())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render(error.http_status, sterilisation=form)
    db.session.commit()
    flash("Sterilisation settings saved.", "success")
    return redirect(url_for("admin.settings"))
