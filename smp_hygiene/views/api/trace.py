"""Traceability: every session and client a lot reached, and every supply used on a client."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields

from smp_hygiene.models import Client, SessionStatus, SupplyUse, TreatmentSession
from smp_hygiene.services.listing import within_period
from smp_hygiene.services.people.permissions import AUDIT_ROLES
from smp_hygiene.services.traceability import client_history
from smp_hygiene.services.traceability import lots as traceability
from smp_hygiene.views.api.blueprint import bp
from smp_hygiene.views.api.fields import Id, Text
from smp_hygiene.views.api.paging import PageArgs, page, page_of
from smp_hygiene.views.api.session_schemas import UseSchema
from smp_hygiene.views.api.tokens import allow
from smp_hygiene.views.loading import own_or_404

TAGS = ["traceability"]


class LotTraceQuery(PageArgs):
    """At least one of lot, gtin and product_id; the period is optional."""

    lot = Text(20, load_default="", metadata={"description": "A lot number, as on the label."})
    gtin = Text(20, load_default="")
    product_id = Id(load_default=None)
    date_from = fields.Date(load_default=None, data_key="from")
    date_to = fields.Date(load_default=None, data_key="to")


class TracedSessionSchema(Schema):
    """A session that used one of the lots, with whom to contact and which lots it used."""

    session_id = fields.Integer(required=True)
    started_at = fields.AwareDateTime(required=True)
    status = fields.Enum(SessionStatus, by_value=True, required=True)
    client_id = fields.Integer(required=True)
    client = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(required=True)
    technician_id = fields.Integer(required=True)
    technician = fields.String(required=True)
    lots = fields.List(fields.String(), required=True)


class ClientUseSchema(UseSchema):
    """A supply used on the client, with the session it was used in."""

    session_id = fields.Integer(required=True)
    session_status = fields.Enum(
        SessionStatus, by_value=True, required=True, attribute="session.status"
    )


def traced(lot_ids):
    def rows(sessions: list[TreatmentSession]) -> list[dict]:
        return [
            {
                "session_id": row.session.id,
                "started_at": row.session.started_at,
                "status": row.session.status,
                "client_id": row.session.client_id,
                "client": row.session.client.full_name,
                "phone": row.session.client.phone,
                "email": row.session.client.email,
                "technician_id": row.session.technician_id,
                "technician": row.session.technician.name,
                "lots": [use.label for use in row.lots],
            }  # fmt: skip
            for row in traceability.with_lots(sessions, lot_ids)
        ]

    return rows


@bp.get("/trace/lot", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.arguments(LotTraceQuery, location="query")
@bp.response(200, page_of(TracedSessionSchema))
def trace_lot(args: dict):
    """Every session, newest first, that used the lots a lot number, GTIN or product names
    (also as a pigment's diluent), with the client's contact details for a recall."""
    clinic = current_user.clinic
    search = traceability.LotSearch(args["lot"], args["gtin"], args["product_id"])
    lot_ids = traceability.lots_matching(clinic, search)
    query = traceability.sessions_query(clinic, lot_ids)
    query = within_period(query, TreatmentSession.started_at, args["date_from"], args["date_to"])
    return page(query, TreatmentSession.id, args, rows=traced(lot_ids))


@bp.get("/trace/clients/<int:client_id>", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(ClientUseSchema))
def trace_client(args: dict, client_id: int):
    """Every supply used on one client, newest first: lot, diluent, patch test and session."""
    client = own_or_404(Client, client_id)
    return page(client_history.supplies_query(client), SupplyUse.id, args)
