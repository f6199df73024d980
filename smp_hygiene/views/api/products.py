"""The clinic's product catalogue, read-only: what barcodes are matched against."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields

from smp_hygiene.models import Product, ProductKind
from smp_hygiene.services.people.permissions import STOCK_ROLES
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.views.api.blueprint import bp
from smp_hygiene.views.api.paging import PageArgs, page, page_of
from smp_hygiene.views.api.tokens import allow
from smp_hygiene.views.loading import own_or_404

TAGS = ["products"]


class ProductSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.Enum(ProductKind, by_value=True, required=True)
    manufacturer = fields.String(required=True)
    name = fields.String(required=True)
    gtin = fields.String(required=True, allow_none=True)
    hibc_code = fields.String(required=True, allow_none=True)
    colour = fields.String(required=True)
    configuration = fields.String(required=True)
    period_after_opening_months = fields.Integer(required=True, allow_none=True)
    allows_manual_lot = fields.Boolean(required=True)
    is_serialised = fields.Boolean(required=True)
    low_stock_level = fields.Integer(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class ProductQuery(PageArgs):
    kind = fields.Enum(ProductKind, by_value=True, load_default=None)


@bp.get("/products", tags=TAGS)
@allow(STOCK_ROLES)
@bp.arguments(ProductQuery, location="query")
@bp.response(200, page_of(ProductSchema))
def list_products(args: dict):
    """The clinic's catalogue, newest first, or one kind of it."""
    query = catalogue.products_query(current_user.clinic, args["kind"])
    return page(query, Product.id, args)


@bp.get("/products/<int:product_id>", tags=TAGS)
@allow(STOCK_ROLES)
@bp.response(200, ProductSchema)
def get_product(product_id: int):
    """One catalogue entry."""
    return own_or_404(Product, product_id)
