"""Clients: registering one, and finding them again."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields

from smp_hygiene.models import Client
from smp_hygiene.services.people import clients
from smp_hygiene.services.people.permissions import AUDIT_ROLES, CHAIR_ROLES
from smp_hygiene.views.api.blueprint import bp
from smp_hygiene.views.api.fields import Text
from smp_hygiene.views.api.paging import PageArgs, page, page_of
from smp_hygiene.views.api.tokens import allow
from smp_hygiene.views.api.writes import write
from smp_hygiene.views.loading import own_or_404

TAGS = ["clients"]


class ClientSchema(Schema):
    id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    date_of_birth = fields.Date(required=True)
    phone = fields.String(required=True)
    email = fields.String(required=True)
    address = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    anonymised_at = fields.AwareDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "Set once the retention period ended and the data was erased."},
    )


class ClientQuery(PageArgs):
    q = Text(200, load_default="", metadata={"description": "Part of the client's name."})


class NewClientSchema(Schema):
    full_name = Text(200, min_length=1, required=True)
    date_of_birth = fields.Date(required=True)
    phone = Text(50, load_default="")
    email = Text(200, load_default="")
    address = Text(1000, load_default="")


@bp.get("/clients", tags=TAGS)
@allow(CHAIR_ROLES | AUDIT_ROLES)
@bp.arguments(ClientQuery, location="query")
@bp.response(200, page_of(ClientSchema))
def list_clients(args: dict):
    """The clinic's clients, newest first, or those whose name contains `q`."""
    query = clients.clients_query(current_user.clinic_id, args["q"])
    return page(query, Client.id, args)


@bp.get("/clients/<int:client_id>", tags=TAGS)
@allow(CHAIR_ROLES | AUDIT_ROLES)
@bp.response(200, ClientSchema)
def get_client(client_id: int):
    """One client of the clinic."""
    return own_or_404(Client, client_id)


@bp.post("/clients", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(NewClientSchema)
@bp.response(201, ClientSchema)
def register_client(data: dict):
    """Register a client seen for the first time; a name and a plausible birth date are needed.
    A session starts only once their consent is signed, on the chair's consent form."""
    name, born = data.pop("full_name"), data.pop("date_of_birth")
    return clients.register_client(current_user, name, born, **data)
