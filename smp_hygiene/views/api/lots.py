"""Supply lots: the stock received, and receiving a delivery by its supplier barcode."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from smp_hygiene.models import LotStatus, Product, ProductKind, SterilisationMethod, SupplyLot
from smp_hygiene.services.people.permissions import CHAIR_ROLES, STOCK_ROLES
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.services.supplies import receiving as supplies
from smp_hygiene.views.api.blueprint import bp
from smp_hygiene.views.api.fields import Id, Text
from smp_hygiene.views.api.paging import PageArgs, page, page_of
from smp_hygiene.views.api.tokens import allow
from smp_hygiene.views.api.writes import keep_if_refused, write
from smp_hygiene.views.loading import own_or_404

TAGS = ["lots"]


class LotSchema(Schema):
    id = fields.Integer(required=True)
    product_id = fields.Integer(required=True)
    product = fields.String(required=True, attribute="product.title")
    kind = fields.Enum(ProductKind, by_value=True, required=True, attribute="product.kind")
    lot_number = fields.String(required=True)
    expiry_date = fields.Date(required=True, allow_none=True)
    status = fields.Enum(LotStatus, by_value=True, required=True)
    status_reason = fields.String(required=True)
    quantity_received = fields.Integer(required=True)
    received_at = fields.AwareDateTime(required=True)
    received_by_id = fields.Integer(required=True)
    opened_at = fields.AwareDateTime(required=True, allow_none=True)
    has_tattoo_use_statement = fields.Boolean(required=True)
    ingredients = fields.String(required=True)
    label_warnings = fields.String(required=True)
    sterility_expiry = fields.Date(required=True, allow_none=True)
    sterilisation_method = fields.Enum(
        SterilisationMethod, by_value=True, required=True, allow_none=True
    )


class LotQuery(PageArgs):
    product_id = Id(load_default=None)
    status = fields.Enum(LotStatus, by_value=True, load_default=None)


class ReceiveSchema(Schema):
    """The supplier barcode, and what it may lack: which product (when its code is not in the
    catalogue), the lot and expiry typed from a retail-coded box, a pigment's label data."""

    barcode = Text(500, min_length=1, required=True)
    product_id = Id(load_default=None, allow_none=True)
    lot_number = Text(20, load_default=None, allow_none=True)
    expiry = fields.Date(load_default=None, allow_none=True)
    quantity = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 100_000))
    sterilisation_method = fields.Enum(
        SterilisationMethod, by_value=True, load_default=None, allow_none=True
    )
    has_tattoo_use_statement = fields.Boolean(load_default=False)
    ingredients = Text(5000, load_default="")
    label_warnings = Text(5000, load_default="")


@bp.get("/lots", tags=TAGS)
@allow(STOCK_ROLES)
@bp.arguments(LotQuery, location="query")
@bp.response(200, page_of(LotSchema))
def list_lots(args: dict):
    """The clinic's lots, newest first; one product's, or in one status, if asked."""
    query = catalogue.lots_query(current_user.clinic, args["product_id"], args["status"])
    return page(query, SupplyLot.id, args)


@bp.get("/lots/<int:lot_id>", tags=TAGS)
@allow(STOCK_ROLES)
@bp.response(200, LotSchema)
def get_lot(lot_id: int):
    """One lot and its status (available, recalled, quarantined...)."""
    return own_or_404(SupplyLot, lot_id)


@bp.post("/lots", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(ReceiveSchema)
@bp.response(201, LotSchema)
def receive(data: dict):
    """Receive a delivery by its barcode: a new lot, or more stock of the lot already here.
    Expired stock, a label that disagrees or a recalled lot is refused as at the chair."""
    keep_if_refused(data["barcode"])
    product = own_or_404(Product, data["product_id"]) if data["product_id"] else None
    return supplies.receive_lot(
        current_user.clinic, data["barcode"], current_user, product=product,
        quantity=data["quantity"], sterilisation_method=data["sterilisation_method"],
        typed=supplies.TypedLot(data["lot_number"], data["expiry"]),
        label=supplies.PigmentLabel(data["has_tattoo_use_statement"], data["ingredients"],
                                    data["label_warnings"]),
    )  # fmt: skip
