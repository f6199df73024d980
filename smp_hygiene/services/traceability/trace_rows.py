"""What a row of a lot's trace shows: the session, whom to contact, who treated, which lots;
read as plain columns (no ORM objects: a page of them costs a fraction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, select

from smp_hygiene.models import (
    Client,
    LotStatus,
    Product,
    SessionStatus,
    SupplyLot,
    TreatmentSession,
    User,
)
from smp_hygiene.models.people import licence_words


@dataclass(frozen=True)
class LotUse:
    """A lot a session used, as traceability names it (and whether it is recalled)."""

    lot_id: int
    product_title: str
    lot_number: str
    status: LotStatus
    as_diluent: bool = False

    @property
    def label(self) -> str:
        text = f"{self.product_title} lot {self.lot_number}"
        return f"{text} (diluent)" if self.as_diluent else text


@dataclass(frozen=True)
class TracedSession:
    """One row of a lot's trace: the session, whom to contact, who treated, which lots."""

    id: int
    started_at: datetime
    status: SessionStatus
    client_id: int
    client_name: str
    phone: str
    email: str
    address: str
    technician: str
    licence: str
    lots: list[LotUse]


def session_rows() -> Select:
    """What a trace row shows of a session, its client and its technician, as plain columns."""
    return (
        select(
            TreatmentSession.id,
            TreatmentSession.started_at,
            TreatmentSession.status,
            TreatmentSession.client_id,
            Client.full_name,
            Client.phone,
            Client.email,
            Client.address,
            User.display_name,
            User.email.label("technician_email"),
            User.licence_number,
            User.licence_issuer,
        )
        .join(Client, Client.id == TreatmentSession.client_id)
        .join(User, User.id == TreatmentSession.technician_id)
    )


# What a trace row shows of each lot a session used (LotUse).
LOT_COLUMNS = (
    SupplyLot.id.label("lot_id"),
    SupplyLot.lot_number,
    SupplyLot.status.label("lot_status"),
    Product.manufacturer,
    Product.name.label("product_name"),
)


def traced(row: Row, lot_rows: list[Row]) -> TracedSession:
    """A page row (`session_rows` and `LOT_COLUMNS` of each lot it used) as the page shows it."""
    lots: list[LotUse] = []
    for lot in lot_rows:
        if lot.lot_id is None:
            continue
        title = f"{lot.manufacturer} {lot.product_name}"  # as Product.title
        as_diluent = lot.lot_id == lot.diluent_lot_id
        use = LotUse(lot.lot_id, title, lot.lot_number, lot.lot_status, as_diluent)
        if use not in lots:
            lots.append(use)
    return TracedSession(
        id=row.id,
        started_at=row.started_at,
        status=row.status,
        client_id=row.client_id,
        client_name=row.full_name,
        phone=row.phone,
        email=row.email,
        address=row.address,
        technician=row.display_name or row.technician_email,  # as User.name
        licence=licence_words(row.licence_number, row.licence_issuer),
        lots=lots,
    )
