"""Patch tests (DOMAIN R25): applying one, reading it, and which are waiting to be read."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from smp_hygiene.extensions import db
from smp_hygiene.models import Client, PatchTest, PatchTestResult, ProductKind
from smp_hygiene.services.consent import patch_tests
from smp_hygiene.services.people.permissions import AUDIT_ROLES, CHAIR_ROLES
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.api.blueprint import bp
from smp_hygiene.views.api.fields import Id, Moment, Text
from smp_hygiene.views.api.paging import PageArgs, page, page_of
from smp_hygiene.views.api.tokens import allow
from smp_hygiene.views.api.writes import write
from smp_hygiene.views.loading import own_or_404

TAGS = ["patch tests"]
_IDS = {"validate": validate.Length(max=100), "load_default": list}


class PatchTestSchema(Schema):
    id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    product_ids = fields.List(fields.Integer(), required=True)
    lot_ids = fields.List(fields.Integer(), required=True)
    site = fields.String(required=True)
    applied_at = fields.AwareDateTime(required=True)
    applied_by_id = fields.Integer(required=True)
    readable_at = fields.AwareDateTime(
        required=True, metadata={"description": "The earliest moment a reading means anything."}
    )
    read_at = fields.AwareDateTime(required=True, allow_none=True)
    read_by_id = fields.Integer(required=True, allow_none=True)
    result = fields.Enum(PatchTestResult, by_value=True, required=True, allow_none=True)
    signs = fields.String(required=True)


class PatchTestQuery(PageArgs):
    client_id = Id(load_default=None)
    due = fields.Boolean(load_default=False, metadata={"description": "Only those not yet read."})


class ApplySchema(Schema):
    client_id = Id(required=True)
    product_ids = fields.List(Id(), **_IDS, metadata={"description": "The pigments tested."})
    lot_ids = fields.List(Id(), **_IDS, metadata={"description": "Or the pigment lots tested."})
    site = Text(300, load_default="")
    applied_at = Moment(
        load_default=None, allow_none=True, metadata={"description": "Now if empty."}
    )


class ReadingSchema(Schema):
    result = fields.Enum(PatchTestResult, by_value=True, required=True)
    signs = Text(2000, load_default="")


_COLUMNS = ("id", "client_id", "site", "applied_at", "applied_by_id", "read_at", "read_by_id",
            "result", "signs")  # fmt: skip


def shown(tests: list[PatchTest]) -> list[dict]:
    """Each test with the ids it covers and when it may first be read."""
    return [
        {
            **{name: getattr(test, name) for name in _COLUMNS},
            "product_ids": [product.id for product in test.products],
            "lot_ids": [lot.id for lot in test.lots],
            "readable_at": patch_tests.readable_at(test),
        }
        for test in tests
    ]


def load_test(test_id: int) -> PatchTest:
    """A test of a client of my clinic, or 404: a test belongs to the clinic of its client."""
    test = db.get_or_404(PatchTest, test_id)
    own_or_404(Client, test.client_id)
    return test


@bp.get("/patch-tests", tags=TAGS)
@allow(CHAIR_ROLES | AUDIT_ROLES)
@bp.arguments(PatchTestQuery, location="query")
@bp.response(200, page_of(PatchTestSchema))
def list_patch_tests(args: dict):
    """The clinic's patch tests, newest first; one client's, or those waiting to be read."""
    query = patch_tests.patch_tests_query(current_user.clinic, args["client_id"], args["due"])
    return page(query, PatchTest.id, args, rows=shown)


@bp.get("/patch-tests/<int:test_id>", tags=TAGS)
@allow(CHAIR_ROLES | AUDIT_ROLES)
@bp.response(200, PatchTestSchema)
def get_patch_test(test_id: int):
    """One patch test and its reading."""
    return shown([load_test(test_id)])[0]


@bp.post("/patch-tests", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(ApplySchema)
@bp.response(201, PatchTestSchema)
def apply_patch_test(data: dict):
    """Record a test applied with pigments (or, where the clinic tests per lot, pigment lots).
    Ids that are not the clinic's pigments or pigment lots are left out, as on the chair's form."""
    client = own_or_404(Client, data["client_id"])
    clinic = current_user.clinic
    products = [p for p in catalogue.list_products(clinic, ProductKind.PIGMENT)
                if p.id in data["product_ids"]]  # fmt: skip
    lots = [lot for lot in catalogue.list_lots(clinic, ProductKind.PIGMENT)
            if lot.id in data["lot_ids"]]  # fmt: skip
    applied_at, site = data["applied_at"] or utcnow(), data["site"]
    test = patch_tests.apply_patch_test(client, products, current_user, applied_at, site, lots)
    return shown([test])[0]


@bp.post("/patch-tests/<int:test_id>/reading", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(ReadingSchema)
@bp.response(200, PatchTestSchema)
def read_patch_test(data: dict, test_id: int):
    """Record the reading now; a negative one only after the clinic's waiting time."""
    test = load_test(test_id)
    patch_tests.read_patch_test(test, data["result"], current_user, utcnow(), data["signs"])
    return shown([test])[0]
