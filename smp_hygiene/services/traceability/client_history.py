"""A client's history for the auditor: search, every supply received, sessions, patch tests."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Row, Select, bindparam, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    Clinic,
    PatchTest,
    PatchTestResult,
    Product,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
    User,
    patch_test_product,
)
from smp_hygiene.services.listing import Page, ordering, page_args, rows_page

CLIENT_SUPPLY_SORTS = {
    "date": SupplyUse.used_at,
    "product": Product.name,
    "lot": SupplyLot.lot_number,
}
CLIENT_SORTS = {"name": Client.full_name, "created": Client.created_at}


def search_clients(
    clinic: Clinic, text: str, *, sort: str = "name", page: int = 1, per_page: int | None = 50
) -> Pagination:
    """Clients of the clinic whose name, email or phone contains `text`."""
    query = select(Client).where(Client.clinic_id == clinic.id)
    if text.strip():
        like = f"%{text.strip()}%"
        query = query.where(
            or_(Client.full_name.ilike(like), Client.email.ilike(like), Client.phone.ilike(like))
        )
    query = query.order_by(*ordering(CLIENT_SORTS, sort, False, Client.id))
    return db.paginate(query, **page_args(page, per_page))


def client_supplies(
    client: Client,
    *,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    per_page: int | None = 50,
) -> Page:
    """Every supply ever used on a client, with its session, lot, diluent, patch test and
    technician, as plain rows in one query; the page says whether another follows instead of
    counting every supply."""
    query = _supply_rows(sort, descending)
    return rows_page(query, page, per_page, {"client_id": client.id})


@functools.cache
def _supply_rows(sort: str, descending: bool) -> Select:
    # Built once per order (building it costs more than running it), the client a parameter.
    diluent, diluent_product = aliased(SupplyLot), aliased(Product)
    return (
        select(
            SupplyUse.id,
            SupplyUse.used_at,
            SupplyUse.session_id,
            (Product.manufacturer + " " + Product.name).label("product"),  # as Product.title
            SupplyLot.lot_number,
            SupplyLot.status.label("lot_status"),
            SupplyLot.expiry_date,
            (diluent_product.manufacturer + " " + diluent_product.name).label("diluent_product"),
            diluent.lot_number.label("diluent_lot_number"),
            SupplyUse.patch_test_id,
            PatchTest.result.label("patch_test_result"),
            User.display_name,
            User.email.label("technician_email"),
            User.licence_number,
            User.licence_issuer,
        )
        .join(TreatmentSession, TreatmentSession.id == SupplyUse.session_id)
        .join(SupplyLot, SupplyLot.id == SupplyUse.lot_id)
        .join(Product, Product.id == SupplyLot.product_id)
        .join(User, User.id == TreatmentSession.technician_id)
        .outerjoin(diluent, diluent.id == SupplyUse.diluent_lot_id)
        .outerjoin(diluent_product, diluent_product.id == diluent.product_id)
        .outerjoin(PatchTest, PatchTest.id == SupplyUse.patch_test_id)
        .where(TreatmentSession.client_id == bindparam("client_id"))
        .order_by(*ordering(CLIENT_SUPPLY_SORTS, sort, descending, SupplyUse.id))
    )


def supplies_query(client: Client) -> Select:
    """Every supply used on a client, with session, lot, product, diluent and patch test."""
    diluent = aliased(SupplyLot)
    return (
        select(SupplyUse)
        .join(SupplyUse.session)
        .join(SupplyUse.lot)
        .join(SupplyLot.product)
        .options(
            contains_eager(SupplyUse.session),
            contains_eager(SupplyUse.lot).contains_eager(SupplyLot.product),
            joinedload(SupplyUse.diluent_lot.of_type(diluent)).joinedload(diluent.product),
            joinedload(SupplyUse.patch_test),
        )
        .where(TreatmentSession.client_id == client.id)
    )


def client_sessions(client: Client) -> list[Row]:
    """A client's sessions, oldest first, with their technician's name, as plain rows."""
    return list(db.session.execute(_sessions_statement(), {"client_id": client.id}))


@functools.cache
def _sessions_statement() -> Select:
    return (
        select(
            TreatmentSession.id,
            TreatmentSession.started_at,
            TreatmentSession.course_number,
            TreatmentSession.status,
            func.coalesce(func.nullif(User.display_name, ""), User.email).label("technician"),
        )
        .join(User, User.id == TreatmentSession.technician_id)
        .where(TreatmentSession.client_id == bindparam("client_id"))
        .order_by(TreatmentSession.started_at, TreatmentSession.id)
    )


@dataclass(frozen=True)
class PatchTestRow:
    """A client's patch test as the history lists it: when, what was tested, what was read."""

    id: int
    applied_at: datetime
    read_at: datetime | None
    result: PatchTestResult | None
    products: list[str]


def client_patch_tests(client: Client) -> list[PatchTestRow]:
    """A client's patch tests, newest first, with the products tested, in one query."""
    tests: dict[int, PatchTestRow] = {}
    rows = db.session.execute(_patch_tests_statement(), {"client_id": client.id})
    for test_id, applied_at, read_at, result, product in rows:
        test = tests.setdefault(test_id, PatchTestRow(test_id, applied_at, read_at, result, []))
        if product is not None:
            test.products.append(product)
    return list(tests.values())


@functools.cache
def _patch_tests_statement() -> Select:
    return (
        select(
            PatchTest.id,
            PatchTest.applied_at,
            PatchTest.read_at,
            PatchTest.result,
            (Product.manufacturer + " " + Product.name).label("product"),
        )
        .outerjoin(patch_test_product, patch_test_product.c.patch_test_id == PatchTest.id)
        .outerjoin(Product, Product.id == patch_test_product.c.product_id)
        .where(PatchTest.client_id == bindparam("client_id"))
        .order_by(PatchTest.applied_at.desc(), PatchTest.id, Product.manufacturer, Product.name)
    )
