"""What the API shows of a recall and takes to act on one."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from smp_hygiene.models import NotificationChannel, RecallScope
from smp_hygiene.views.api.fields import Id, Moment, Text
from smp_hygiene.views.api.paging import PageArgs

_LINES = {"required": True}


class RecallSchema(Schema):
    id = fields.Integer(required=True)
    product_id = fields.Integer(required=True)
    product = fields.String(required=True)
    scope = fields.Enum(RecallScope, by_value=True, required=True)
    lots_as_given = fields.List(fields.String(), **_LINES)
    not_held = fields.List(
        fields.String(), **_LINES, metadata={"description": "Named, never received here."}
    )
    blocked_lot_ids = fields.List(fields.Integer(), **_LINES)
    reason = fields.String(required=True)
    source_reference = fields.String(required=True)
    opened_at = fields.AwareDateTime(required=True)
    opened_by_id = fields.Integer(required=True)
    closed_at = fields.AwareDateTime(required=True, allow_none=True)
    close_reason = fields.String(required=True)
    lookback_starts_at = fields.AwareDateTime(required=True, allow_none=True)
    affected = fields.Integer(required=True, metadata={"description": "Clients to tell."})
    notified = fields.Integer(required=True, metadata={"description": "Clients told so far."})


class RecallQuery(PageArgs):
    state = fields.String(load_default="all", validate=validate.OneOf(["all", "open", "closed"]))


class OpenRecallSchema(Schema):
    product_id = Id(required=True)
    scope = fields.Enum(RecallScope, by_value=True, required=True)
    lots = fields.List(
        Text(200),
        load_default=list,
        validate=validate.Length(max=500),
        metadata={
            "description": "The notice's lots, one per item; for lot_range the first and the "
            "last; empty for a whole product."
        },
    )
    reason = Text(5000, min_length=1, required=True)
    source_reference = Text(100, min_length=1, required=True)
    lookback_from = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "The look-back's first day: at least 3 years back."},
    )


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    recall_id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    session_id = fields.Integer(required=True, allow_none=True)
    channel = fields.Enum(NotificationChannel, by_value=True, required=True)
    notified_at = fields.AwareDateTime(required=True)
    notified_by_id = fields.Integer(required=True)
    note = fields.String(required=True)


class NotifySchema(Schema):
    client_id = Id(required=True)
    channel = fields.Enum(NotificationChannel, by_value=True, required=True)
    notified_at = Moment(load_default=None, allow_none=True)
    note = Text(2000, load_default="")
    session_id = Id(load_default=None, allow_none=True)


class AffectedSessionSchema(Schema):
    session_id = fields.Integer(required=True)
    started_at = fields.AwareDateTime(required=True)
    lots = fields.List(fields.String(), required=True)


class AffectedClientSchema(Schema):
    """A client treated with a recalled lot within the look-back: whom to tell, and if told."""

    id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(required=True)
    address = fields.String(required=True)
    sessions = fields.List(fields.Nested(AffectedSessionSchema), required=True)
    notifications = fields.List(fields.Nested(NotificationSchema), required=True)


class CloseSchema(Schema):
    reason = Text(5000, min_length=1, required=True)


class LookbackSchema(Schema):
    lookback_from = fields.Date(required=True)
