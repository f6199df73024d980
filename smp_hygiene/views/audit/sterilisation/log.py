"""One steriliser's cycle log: the page, its CSV, and the forms that add cycles and tests to it."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
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
    User,
)
from smp_hygiene.services.sterilisation import spore_tests
from smp_hygiene.services.sterilisation import sterilisers as sterilisation
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.sterilisation import forms
from smp_hygiene.views.audit.sterilisation.forms import cycle_form, spore_form
from smp_hygiene.views.audit.sterilisation.loading import own_steriliser
from smp_hygiene.views.ids import page_number
from smp_hygiene.views.writes import done, once, refusal_page

CSV_HEADER = (
    "steriliser", "serial", "cycle", "started_at", "program", "temperature_c",
    "exposure_min", "pressure_kpa", "ci_type", "ci_result", "operator", "printout",
    "status", "status_reason", "released_at", "released_by", "packs",
)  # fmt: skip
BOUND_FORMS = {
    "cycle_form": cycle_form,
    "bowie_dick_form": lambda steriliser: forms.BowieDickForm(),
    "spore_form": spore_form,
}


def log_page(steriliser: Steriliser, status: int = 200, **bound):
    """Render the log page; a refused form comes back bound, with what was typed."""
    cycles = db.paginate(
        select(SteriliserCycle)
        .filter_by(steriliser_id=steriliser.id)
        .options(selectinload(SteriliserCycle.packs), selectinload(SteriliserCycle.operator))
        .order_by(SteriliserCycle.started_at.desc()),
        page=request.args.get("page", 1, type=page_number),
        per_page=50,
        error_out=False,
    )
    forms_shown = {name: bound.get(name) or make(steriliser) for name, make in BOUND_FORMS.items()}
    return render_template(
        "audit/sterilisation/steriliser.html",
        steriliser=steriliser,
        cycles=cycles,
        bowie_dicks=_latest(BowieDickTest, steriliser, BowieDickTest.tested_at),
        spore_tests=_latest(BiologicalIndicatorTest, steriliser, BiologicalIndicatorTest.read_at),
        overdue=spore_tests.spore_test_overdue(steriliser, utcnow()),
        **forms_shown,
    ), status


def refused_on_log(form_name: str):
    """A refusal of one of the log page's forms: the page again, that form bound as typed."""

    def page(error: DomainError):
        flash(str(error), "error")
        found = own_steriliser(request.view_args["steriliser_id"])
        return log_page(found, error.http_status, **{form_name: BOUND_FORMS[form_name](found)})

    return page


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


def _reading(form: forms.CycleForm) -> sterilisation.CycleReading:
    return sterilisation.CycleReading(
        form.cycle_number.data, form.started_at.data, SteriliserProgram(form.program.data),
        form.temperature_c.data, form.exposure_minutes.data, form.pressure_kpa.data,
        form.ci_class.data, IndicatorResult(form.ci_result.data), form.printout_ref.data or "",
    )  # fmt: skip


@bp.post("/sterilisation/<int:steriliser_id>/cycles")
@once
@refusal_page(refused_on_log("cycle_form"))
def record_cycle(steriliser_id: int):
    """Log a load from its printout, with its packs."""
    found = own_steriliser(steriliser_id)
    form = cycle_form(found)
    if not form.validate_on_submit():
        return log_page(found, 422, cycle_form=form)
    cycle = sterilisation.record_cycle(
        found, _reading(form), db.session.get(User, form.operator_id.data), current_user,
        form.packs.data.splitlines(),
    )  # fmt: skip
    return done(
        url_for("audit.cycle", cycle_id=cycle.id),
        f"Cycle {cycle.cycle_number} recorded with {len(cycle.packs)} pack(s).",
    )


@bp.post("/sterilisation/<int:steriliser_id>/bowie-dick")
@once
@refusal_page(refused_on_log("bowie_dick_form"))
def record_bowie_dick(steriliser_id: int):
    """Log the day's Bowie-Dick test."""
    found, form = own_steriliser(steriliser_id), forms.BowieDickForm()
    if not form.validate_on_submit():
        return log_page(found, 422, bowie_dick_form=form)
    sterilisation.record_bowie_dick(
        found, current_user, IndicatorResult(form.result.data),
        form.tested_at.data, form.test_pack_lot.data or "",
    )  # fmt: skip
    return done(url_for("audit.steriliser", steriliser_id=found.id), "Bowie-Dick test recorded.")
