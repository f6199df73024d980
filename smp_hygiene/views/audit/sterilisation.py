"""Sterilisation pages: steriliser registry, settings, and each steriliser's cycle log."""

from __future__ import annotations

from datetime import datetime, time

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smp_hygiene.csvexport import csv_response
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BiologicalIndicatorTest,
    BowieDickTest,
    IndicatorResult,
    Steriliser,
    SteriliserCycle,
    SteriliserProgram,
    SteriliserType,
    User,
)
from smp_hygiene.services.sterilisation import spore_tests
from smp_hygiene.services.sterilisation import sterilisers as sterilisation
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit import bp
from smp_hygiene.views.audit import sterilisation_forms as forms
from smp_hygiene.views.audit.sterilisation_forms import as_utc
from smp_hygiene.views.loading import own_or_404

CSV_HEADER = (
    "steriliser", "serial", "cycle", "started_at", "program", "temperature_c",
    "exposure_min", "pressure_kpa", "ci_type", "ci_result", "operator", "printout",
    "status", "status_reason", "released_at", "released_by", "packs",
)  # fmt: skip


# --- loading, always within the signed-in user's clinic ---


def own_steriliser(steriliser_id: int) -> Steriliser:
    return own_or_404(Steriliser, steriliser_id)


def own_cycle(cycle_id: int) -> SteriliserCycle:
    found = db.get_or_404(SteriliserCycle, cycle_id)
    own_steriliser(found.steriliser_id)
    return found


def committed(message: str, target: str) -> Response:
    """Commit the request's one change, say so, and go on."""
    db.session.commit()
    flash(message, "success")
    return redirect(target)


# --- registry and settings ---


@bp.get("/sterilisation/")
def sterilisers(form: forms.SteriliserForm | None = None, status: int = 200):
    """The clinic's sterilisers, with their state and any overdue spore test."""
    rows = sterilisation.list_sterilisers(current_user.clinic)
    overdue = spore_tests.overdue_spore_tests(current_user.clinic, utcnow())
    return render_template(
        "audit/sterilisation/index.html",
        sterilisers=rows,
        overdue={found.steriliser.id: found for found in overdue},
        form=form or forms.SteriliserForm(),
    ), status


@bp.post("/sterilisation/")
def register_steriliser():
    """Add a steriliser to the registry."""
    form = forms.SteriliserForm()
    if not form.validate_on_submit():
        return sterilisers(form, 422)
    installed_at = as_utc(datetime.combine(form.installed_on.data, time()))
    try:
        found = sterilisation.register_steriliser(
            current_user.clinic, current_user, form.name.data, form.serial.data,
            SteriliserType(form.kind.data), installed_at,
        )  # fmt: skip
    except DomainError as error:
        flash(str(error), "error")
        return sterilisers(form, error.http_status)
    return committed(
        f"{found.name} registered.", url_for("audit.steriliser", steriliser_id=found.id)
    )


@bp.route("/sterilisation/settings", methods=["GET", "POST"])
def sterilisation_settings():
    """The clinic's spore-test interval, overdue mode, shelf life and indicator rules."""
    form = forms.SettingsForm(obj=sterilisation.settings_for(current_user.clinic))
    if form.validate_on_submit():
        try:
            sterilisation.update_settings(current_user.clinic, current_user, **form.values())
        except DomainError as error:
            flash(str(error), "error")
        else:
            return committed("Sterilisation settings saved.", url_for("audit.sterilisers"))
    return render_template("audit/sterilisation/settings.html", form=form)


# --- one steriliser: its cycle log and the forms that add to it ---


def cycle_form(steriliser: Steriliser) -> forms.CycleForm:
    form = forms.CycleForm()
    staff = db.session.scalars(
        select(User)
        .filter_by(clinic_id=steriliser.clinic_id, is_active_user=True)
        .order_by(User.email)
    )
    form.operator_id.choices = forms.choices((user.id, user.name) for user in staff)
    if form.operator_id.data is None:
        form.operator_id.data = current_user.id
    return form


def spore_form(steriliser: Steriliser) -> forms.SporeTestForm:
    form = forms.SporeTestForm()
    recent = db.session.scalars(
        select(SteriliserCycle)
        .filter_by(steriliser_id=steriliser.id)
        .order_by(SteriliserCycle.started_at.desc())
        .limit(30)
    )
    form.cycle_id.choices = forms.choices(
        (cycle.id, f"Cycle {cycle.cycle_number}, {cycle.started_at:%Y-%m-%d}") for cycle in recent
    )
    return form


def log_page(steriliser: Steriliser, status: int = 200, **bound):
    """Render the log page; a refused form comes back bound, with what was typed."""
    cycles = db.paginate(
        select(SteriliserCycle)
        .filter_by(steriliser_id=steriliser.id)
        .options(selectinload(SteriliserCycle.packs), selectinload(SteriliserCycle.operator))
        .order_by(SteriliserCycle.started_at.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "audit/sterilisation/steriliser.html",
        steriliser=steriliser,
        cycles=cycles,
        bowie_dicks=_latest(BowieDickTest, steriliser, BowieDickTest.tested_at),
        spore_tests=_latest(BiologicalIndicatorTest, steriliser, BiologicalIndicatorTest.read_at),
        overdue=spore_tests.spore_test_overdue(steriliser, utcnow()),
        cycle_form=bound.get("cycle_form") or cycle_form(steriliser),
        bowie_dick_form=bound.get("bowie_dick_form") or forms.BowieDickForm(),
        spore_form=bound.get("spore_form") or spore_form(steriliser),
    ), status


def _latest(model, steriliser: Steriliser, column) -> list:
    return db.session.scalars(
        select(model).filter_by(steriliser_id=steriliser.id).order_by(column.desc()).limit(10)
    ).all()


@bp.get("/sterilisation/<int:steriliser_id>")
def steriliser(steriliser_id: int):
    """The cycle log of one steriliser, with forms for new cycles and tests."""
    return log_page(own_steriliser(steriliser_id))


@bp.get("/sterilisation/<int:steriliser_id>/cycles.csv")
def cycle_log_csv(steriliser_id: int):
    """The whole cycle log as CSV, packs included (kept for inspectors, R19)."""
    found = own_steriliser(steriliser_id)
    cycles = db.session.scalars(
        select(SteriliserCycle)
        .filter_by(steriliser_id=found.id)
        .options(*(selectinload(rel) for rel in (
            SteriliserCycle.packs, SteriliserCycle.operator, SteriliserCycle.released_by
        )))
        .order_by(SteriliserCycle.started_at)
    )  # fmt: skip
    rows = (_csv_row(found, cycle) for cycle in cycles)
    return csv_response(f"cycle-log-{found.serial}.csv", CSV_HEADER, rows)


def _csv_row(found: Steriliser, cycle: SteriliserCycle) -> tuple:
    return (
        found.name, found.serial, cycle.cycle_number, cycle.started_at.isoformat(),
        cycle.program.label, cycle.temperature_c, cycle.exposure_minutes, cycle.pressure_kpa,
        cycle.ci_class, cycle.ci_result.value, cycle.operator.name, cycle.printout_ref,
        cycle.status.value, cycle.status_reason,
        cycle.released_at.isoformat() if cycle.released_at else "",
        cycle.released_by.name if cycle.released_by else "",
        " ".join(pack.code for pack in cycle.packs),
    )  # fmt: skip


@bp.post("/sterilisation/<int:steriliser_id>/cycles")
def record_cycle(steriliser_id: int):
    """Log a load from its printout, with its packs."""
    found = own_steriliser(steriliser_id)
    form = cycle_form(found)
    if not form.validate_on_submit():
        return log_page(found, 422, cycle_form=form)
    reading = sterilisation.CycleReading(
        form.cycle_number.data, as_utc(form.started_at.data), SteriliserProgram(form.program.data),
        form.temperature_c.data, form.exposure_minutes.data, form.pressure_kpa.data,
        form.ci_class.data, IndicatorResult(form.ci_result.data), form.printout_ref.data or "",
    )  # fmt: skip
    try:
        cycle = sterilisation.record_cycle(
            found, reading, db.session.get(User, form.operator_id.data), current_user,
            form.packs.data.splitlines(),
        )  # fmt: skip
    except DomainError as error:
        flash(str(error), "error")
        return log_page(found, error.http_status, cycle_form=form)
    return committed(
        f"Cycle {cycle.cycle_number} recorded with {len(cycle.packs)} pack(s).",
        url_for("audit.cycle", cycle_id=cycle.id),
    )


@bp.post("/sterilisation/<int:steriliser_id>/bowie-dick")
def record_bowie_dick(steriliser_id: int):
    """Log the day's Bowie-Dick test."""
    found = own_steriliser(steriliser_id)
    form = forms.BowieDickForm()
    if not form.validate_on_submit():
        return log_page(found, 422, bowie_dick_form=form)
    try:
        sterilisation.record_bowie_dick(
            found, current_user, IndicatorResult(form.result.data),
            as_utc(form.tested_at.data), form.test_pack_lot.data or "",
        )  # fmt: skip
    except DomainError as error:
        flash(str(error), "error")
        return log_page(found, error.http_status, bowie_dick_form=form)
    return committed(
        "Bowie-Dick test recorded.", url_for("audit.steriliser", steriliser_id=found.id)
    )
