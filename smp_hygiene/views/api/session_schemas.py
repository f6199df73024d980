"""What the API shows of a treatment session and takes to change one."""

from __future__ import annotations

from marshmallow import Schema, fields

from smp_hygiene.models import SessionStatus
from smp_hygiene.views.api.fields import Id, Text
from smp_hygiene.views.api.paging import PageArgs


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    technician_id = fields.Integer(required=True)
    status = fields.Enum(SessionStatus, by_value=True, required=True)
    course_number = fields.Integer(required=True)
    treated_area = fields.String(required=True)
    started_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(required=True, allow_none=True)
    label_info_provided_at = fields.AwareDateTime(required=True, allow_none=True)


class UseSchema(Schema):
    """One supply scanned into the session."""

    id = fields.Integer(required=True)
    lot_id = fields.Integer(required=True)
    product_id = fields.Integer(required=True, attribute="lot.product_id")
    product = fields.String(required=True, attribute="lot.product.title")
    lot_number = fields.String(required=True, attribute="lot.lot_number")
    expiry_date = fields.Date(required=True, allow_none=True, attribute="lot.expiry_date")
    serial = fields.String(required=True, allow_none=True)
    quantity = fields.Integer(required=True)
    used_at = fields.AwareDateTime(required=True)
    is_hand_entry = fields.Boolean(required=True)
    diluent_lot_id = fields.Integer(required=True, allow_none=True)
    patch_test_id = fields.Integer(required=True, allow_none=True)


class PackUseSchema(Schema):
    """One sterilised instrument pack opened for the session."""

    id = fields.Integer(required=True)
    pack_id = fields.Integer(required=True)
    code = fields.String(required=True, attribute="pack.code")
    contents = fields.String(required=True, attribute="pack.contents")
    cycle_id = fields.Integer(required=True, attribute="pack.cycle_id")
    used_at = fields.AwareDateTime(required=True)


class ChecklistLineSchema(Schema):
    """An item of the clinic's current checklist, and its tick in this session if any."""

    item_id = fields.Integer(required=True)
    text = fields.String(required=True)
    ticked_at = fields.AwareDateTime(required=True, allow_none=True)
    ticked_by_id = fields.Integer(required=True, allow_none=True)


class AddendumSchema(Schema):
    id = fields.Integer(required=True)
    session_id = fields.Integer(required=True)
    author_id = fields.Integer(required=True)
    reason = fields.String(required=True)
    body = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class SessionDetailSchema(SessionSchema):
    """A session with everything on its record, and what still blocks its completion."""

    uses = fields.List(fields.Nested(UseSchema), required=True)
    pack_uses = fields.List(fields.Nested(PackUseSchema), required=True)
    checklist = fields.List(fields.Nested(ChecklistLineSchema), required=True)
    addenda = fields.List(fields.Nested(AddendumSchema), required=True)
    blockers = fields.List(fields.String(), required=True)
    verify_url = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The public record the aftercare card's QR code opens."},
    )


class SessionQuery(PageArgs):
    client_id = Id(load_default=None)
    status = fields.Enum(SessionStatus, by_value=True, load_default=None)


class StartSchema(Schema):
    client_id = Id(required=True)
    treated_area = Text(200, load_default="")
    acknowledge_reason = Text(
        2000,
        load_default=None,
        allow_none=True,
        metadata={"description": "Why to go ahead despite a warning (e.g. the healing gap)."},
    )


class ScanSchema(Schema):
    barcode = Text(
        500,
        min_length=1,
        required=True,
        metadata={"description": "What the scanner read: GS1, HIBC, a retail code or our label."},
    )
    diluent = Text(500, load_default=None, allow_none=True)
    acknowledge_reason = Text(2000, load_default=None, allow_none=True)
    lot_number = Text(
        20,
        load_default=None,
        allow_none=True,
        metadata={"description": "Typed from the packaging, for a retail code naming no lot."},
    )


class ScanResultSchema(Schema):
    duplicate = fields.Boolean(
        required=True, metadata={"description": "The same scan again within seconds: one use."}
    )
    use = fields.Nested(UseSchema, required=True, allow_none=True)
    pack_use = fields.Nested(PackUseSchema, required=True, allow_none=True)
    blockers = fields.List(fields.String(), required=True)


class TickSchema(ChecklistLineSchema):
    blockers = fields.List(fields.String(), required=True)


class AddendumInputSchema(Schema):
    reason = Text(300, min_length=1, required=True)
    body = Text(5000, min_length=1, required=True)
