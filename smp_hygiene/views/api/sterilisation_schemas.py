"""What the API shows of sterilisers, their cycles and spore tests, and takes to record them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from smp_hygiene.models import (
    CycleStatus,
    IndicatorResult,
    PackStatus,
    SporeResult,
    SteriliserProgram,
    SteriliserStatus,
    SteriliserType,
)
from smp_hygiene.views.api.fields import Id, Moment, Number, Text
from smp_hygiene.views.api.paging import PageArgs


class SteriliserSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    serial = fields.String(required=True)
    type = fields.Enum(SteriliserType, by_value=True, required=True)
    status = fields.Enum(SteriliserStatus, by_value=True, required=True)
    status_reason = fields.String(required=True)
    negative_retests_needed = fields.Integer(required=True)
    installed_at = fields.AwareDateTime(required=True)


class PackSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "Printed as SMPH-PACK:<code>."})
    contents = fields.String(required=True)
    packed_at = fields.AwareDateTime(required=True)
    expires_on = fields.Date(required=True, allow_none=True)
    status = fields.Enum(PackStatus, by_value=True, required=True)


class CycleSchema(Schema):
    id = fields.Integer(required=True)
    steriliser_id = fields.Integer(required=True)
    cycle_number = fields.Integer(required=True)
    started_at = fields.AwareDateTime(required=True)
    program = fields.Enum(SteriliserProgram, by_value=True, required=True)
    temperature_c = fields.Float(required=True)
    exposure_minutes = fields.Float(required=True)
    pressure_kpa = fields.Float(required=True)
    ci_class = fields.Integer(required=True)
    ci_result = fields.Enum(IndicatorResult, by_value=True, required=True)
    operator_id = fields.Integer(required=True)
    printout_ref = fields.String(required=True)
    status = fields.Enum(CycleStatus, by_value=True, required=True)
    status_reason = fields.String(required=True)
    recorded_by_id = fields.Integer(required=True)
    released_at = fields.AwareDateTime(required=True, allow_none=True)
    packs = fields.List(fields.Nested(PackSchema), required=True)


class NewCycleSchema(Schema):
    """A load as the steriliser's printout or data logger reports it, and the packs in it."""

    cycle_number = fields.Integer(strict=True, required=True, validate=validate.Range(1, 2**31 - 1))
    started_at = Moment(required=True)
    program = fields.Enum(SteriliserProgram, by_value=True, required=True)
    temperature_c = Number(0, 200, required=True)
    exposure_minutes = Number(0, 1440, required=True)
    pressure_kpa = Number(0, 1000, required=True, metadata={"description": "Absolute."})
    ci_class = fields.Integer(strict=True, required=True, validate=validate.Range(1, 6))
    ci_result = fields.Enum(IndicatorResult, by_value=True, required=True)
    printout_ref = Text(200, load_default="")
    operator_id = Id(
        load_default=None, allow_none=True, metadata={"description": "The caller if empty."}
    )
    packs = fields.List(
        Text(300), required=True, validate=validate.Length(min=1, max=200),
        metadata={"description": "What each pack of the load holds: one labelled pack each."},
    )  # fmt: skip


class CycleQuery(PageArgs):
    steriliser_id = Id(load_default=None)


class SporeTestSchema(Schema):
    id = fields.Integer(required=True)
    steriliser_id = fields.Integer(required=True)
    cycle_id = fields.Integer(required=True)
    bi_lot = fields.String(required=True)
    result = fields.Enum(SporeResult, by_value=True, required=True)
    control_result = fields.Enum(SporeResult, by_value=True, required=True)
    read_at = fields.AwareDateTime(required=True)
    lab_report_ref = fields.String(required=True)
    is_retest = fields.Boolean(required=True)
    recorded_by_id = fields.Integer(required=True)
    authority_report_due_on = fields.Date(required=True, allow_none=True)
    authority_reported_at = fields.AwareDateTime(required=True, allow_none=True)


class NewSporeTestSchema(Schema):
    cycle_id = Id(required=True, metadata={"description": "The load the indicator went through."})
    bi_lot = Text(100, min_length=1, required=True)
    result = fields.Enum(SporeResult, by_value=True, required=True)
    control_result = fields.Enum(SporeResult, by_value=True, required=True)
    read_at = Moment(required=True)
    lab_report_ref = Text(200, load_default="")
    is_retest = fields.Boolean(load_default=False)
