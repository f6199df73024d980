"""A client's history for the auditor: search, every supply received, sessions, patch tests."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    Clinic,
    PatchTest,
    Product,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
)
from smp_hygiene.services.listing import Page, ordering, page_args, page_of

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
    """Every supply ever used on a client, with its session, lot, diluent and patch test; the
    page says whether another follows instead of counting every supply."""
    query = supplies_query(client).order_by(
        *ordering(CLIENT_SUPPLY_SORTS, sort, descending, SupplyUse.id)
    )
    return page_of(query, page, per_page)


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


def client_sessions(client: Client) -> list[TreatmentSession]:
    """A client's sessions, oldest first, with their technician."""
    return list(
        db.session.scalars(
            select(TreatmentSession)
            .options(joinedload(TreatmentSession.technician))
            .where(TreatmentSession.client_id == client.id)
            .order_by(TreatmentSession.started_at, TreatmentSession.id)
        )
    )


def client_patch_tests(client: Client) -> list[PatchTest]:
    """A client's patch tests, newest first, with the products tested."""
    return list(
        db.session.scalars(
            select(PatchTest)
            .options(joinedload(PatchTest.products), joinedload(PatchTest.read_by))
            .where(PatchTest.client_id == client.id)
            .order_by(PatchTest.applied_at.desc(), PatchTest.id)
        ).unique()
    )
