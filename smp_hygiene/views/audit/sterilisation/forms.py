"""Forms of the sterilisation pages; they check shape, the services check the rules."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    IndicatorResult,
    SporeResult,
    Steriliser,
    SteriliserCycle,
    SteriliserProgram,
    SteriliserType,
    User,
)
from smp_hygiene.views.clock import ClinicTimeField
from smp_hygiene.views.forms import BaseForm, WholeNumberField, choices
from smp_hygiene.views.ids import record_id, whole_number

_STAMP = "%Y-%m-%dT%H:%M"


_CI_CLASSES = choices((n, f"Type {n}") for n in range(1, 7))
_INDICATOR = choices((r.value, r.value) for r in IndicatorResult)
_SPORE = choices((r.value, r.value) for r in SporeResult)


class SteriliserForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    serial = StringField("Serial number", validators=[DataRequired(), Length(max=100)])
    kind = SelectField("Air removal", choices=choices((t.value, t.label) for t in SteriliserType))
    installed_on = DateField("Installed on", validators=[DataRequired()])


class CycleForm(BaseForm):
    cycle_number = WholeNumberField("Cycle number", low=1)
    started_at = ClinicTimeField("Started", format=_STAMP, validators=[DataRequired()])
    program = SelectField("Program", choices=choices((p.value, p.label) for p in SteriliserProgram))
    temperature_c = FloatField("Temperature °C", validators=[InputRequired()])
    exposure_minutes = FloatField("Exposure (min)", validators=[InputRequired()])
    pressure_kpa = FloatField("Pressure kPa (absolute)", validators=[InputRequired()])
    ci_class = SelectField(
        "Chemical indicator", choices=_CI_CLASSES, coerce=whole_number, default=5
    )
    ci_result = SelectField("Indicator result", choices=_INDICATOR)
    operator_id = SelectField("Operator", coerce=record_id)
    printout_ref = StringField("Printout reference", validators=[Length(max=200)])
    packs = TextAreaField("Packs in the load, one per line", validators=[DataRequired()])


class BowieDickForm(BaseForm):
    tested_at = ClinicTimeField("Tested", format=_STAMP, validators=[DataRequired()])
    # Ids of their own: the spore-test form on the same page has a `result` too.
    result = SelectField("Result", choices=_INDICATOR, id="bowie_dick_result")
    test_pack_lot = StringField("Test pack lot", validators=[Length(max=100)])


class SporeTestForm(BaseForm):
    cycle_id = SelectField("Cycle the indicator went through", coerce=record_id)
    bi_lot = StringField("BI lot", validators=[DataRequired(), Length(max=100)])
    result = SelectField("Test vial", choices=_SPORE, id="spore_result")
    control_result = SelectField("Control vial", choices=_SPORE, default="positive")
    read_at = ClinicTimeField("Read", format=_STAMP, validators=[DataRequired()])
    lab_report_ref = StringField("Lab report reference", validators=[Length(max=200)])
    is_retest = BooleanField("This is a retest after a positive result")


class FailCycleForm(BaseForm):
    reason = StringField("Why it failed", validators=[DataRequired(), Length(max=500)])


class ReportForm(BaseForm):
    reference = StringField("Report reference", validators=[DataRequired(), Length(max=200)])


class DiscardPackForm(BaseForm):
    reason = StringField("Why (wet, torn, opened)", validators=[DataRequired(), Length(max=500)])


def cycle_form(steriliser: Steriliser) -> CycleForm:
    """The cycle form, its operators the clinic's active staff, the auditor by default."""
    form = CycleForm()
    staff = db.session.scalars(
        select(User)
        .filter_by(clinic_id=steriliser.clinic_id, is_active_user=True)
        .order_by(User.email)
    )
    form.operator_id.choices = choices((user.id, user.name) for user in staff)
    if form.operator_id.data is None:
        form.operator_id.data = current_user.id
    return form


def spore_form(steriliser: Steriliser) -> SporeTestForm:
    """The spore-test form, offering the steriliser's 30 latest cycles."""
    form = SporeTestForm()
    recent = db.session.scalars(
        select(SteriliserCycle)
        .filter_by(steriliser_id=steriliser.id)
        .order_by(SteriliserCycle.started_at.desc())
        .limit(30)
    )
    form.cycle_id.choices = choices(
        (cycle.id, f"Cycle {cycle.cycle_number}, {cycle.started_at:%Y-%m-%d}") for cycle in recent
    )
    return form
