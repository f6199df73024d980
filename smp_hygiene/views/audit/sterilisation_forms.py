"""Forms of the sterilisation pages; they check shape, the services check the rules."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from smp_hygiene.models import (
    IndicatorResult,
    SporeResult,
    SteriliserProgram,
    SteriliserType,
)
from smp_hygiene.views.clinic_forms import SettingsForm  # noqa: F401  (moved; both blueprints use it)

_STAMP = "%Y-%m-%dT%H:%M"


def choices(pairs) -> list[SelectChoice]:
    """WTForms 3.3 deprecates (value, label) tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


_CI_CLASSES = choices((n, f"Type {n}") for n in range(1, 7))
_INDICATOR = choices((r.value, r.value) for r in IndicatorResult)
_SPORE = choices((r.value, r.value) for r in SporeResult)


def as_utc(moment: datetime) -> datetime:
    """The browser sends a naive local time; the clinic works in UTC until it has a zone."""
    return moment.replace(tzinfo=UTC)


class SteriliserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    serial = StringField("Serial number", validators=[DataRequired(), Length(max=100)])
    kind = SelectField("Air removal", choices=choices((t.value, t.value) for t in SteriliserType))
    installed_on = DateField("Installed on", validators=[DataRequired()])


class CycleForm(FlaskForm):
    cycle_number = IntegerField("Cycle number", validators=[InputRequired(), NumberRange(min=1)])
    started_at = DateTimeLocalField("Started (UTC)", format=_STAMP, validators=[DataRequired()])
    program = SelectField("Program", choices=choices((p.value, p.label) for p in SteriliserProgram))
    temperature_c = FloatField("Temperature °C", validators=[InputRequired()])
    exposure_minutes = FloatField("Exposure (min)", validators=[InputRequired()])
    pressure_kpa = FloatField("Pressure kPa (absolute)", validators=[InputRequired()])
    ci_class = SelectField("Chemical indicator", choices=_CI_CLASSES, coerce=int, default=5)
    ci_result = SelectField("Indicator result", choices=_INDICATOR)
    operator_id = SelectField("Operator", coerce=int)
    printout_ref = StringField("Printout reference", validators=[Length(max=200)])
    packs = TextAreaField("Packs in the load, one per line", validators=[DataRequired()])


class BowieDickForm(FlaskForm):
    tested_at = DateTimeLocalField("Tested (UTC)", format=_STAMP, validators=[DataRequired()])
    result = SelectField("Result", choices=_INDICATOR)
    test_pack_lot = StringField("Test pack lot", validators=[Length(max=100)])


class SporeTestForm(FlaskForm):
    cycle_id = SelectField("Cycle the indicator went through", coerce=int)
    bi_lot = StringField("BI lot", validators=[DataRequired(), Length(max=100)])
    result = SelectField("Test vial", choices=_SPORE)
    control_result = SelectField("Control vial", choices=_SPORE, default="positive")
    read_at = DateTimeLocalField("Read (UTC)", format=_STAMP, validators=[DataRequired()])
    lab_report_ref = StringField("Lab report reference", validators=[Length(max=200)])
    is_retest = BooleanField("This is a retest after a positive result")


class FailCycleForm(FlaskForm):
    reason = StringField("Why it failed", validators=[DataRequired(), Length(max=500)])


class ReportForm(FlaskForm):
    reference = StringField("Report reference", validators=[DataRequired(), Length(max=200)])


class DiscardPackForm(FlaskForm):
    reason = StringField("Why (wet, torn, opened)", validators=[DataRequired(), Length(max=500)])


class ReleaseForm(FlaskForm):
    """No fields: the CSRF token is the point."""
