"""Sealed sessions read as plain rows, a batch at a time, for checking every seal at once.

Each session comes back as a light record with the attributes `sealing.sealed_content` reads
(its uses with their lots, products and patch tests, its answers and overrides), built from
column values typed as the ORM types them, so the one function that makes a seal also
recomputes it here: no ORM objects, no identity map, memory flat over a million sessions.
Values the seal only writes down and never compares (most times, a lot's dates) come as the
text `canonical()` writes for them, which it writes unchanged: the same bytes, less work.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import bindparam, select

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    ChecklistAnswer,
    Clinic,
    PatchTest,
    Product,
    SafetyOverride,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
)
from smp_hygiene.models.patch_tests import patch_test_product
from smp_hygiene.services.audit.iso_times import IsoTimes

_LOT = (
    SupplyLot.id,
    SupplyLot.product_id,
    SupplyLot.lot_number,
    SupplyLot.expiry_date,
    SupplyLot.sterility_expiry,
    SupplyLot.has_tattoo_use_statement,
    SupplyLot.ingredients,
    SupplyLot.label_warnings,
)
# Times the seal only writes down, read as the ISO text it writes (iso_times.py); the others
# (a session's start picks its consent) stay datetimes.
_AS_TEXT = {
    TreatmentSession: ("completed_at", "label_info_provided_at"),
    SupplyUse: ("used_at",),
    ChecklistAnswer: ("answered_at",),
    SafetyOverride: ("acknowledged_at",),
}
_USE_KEYS = tuple(column.key for column in SupplyUse.__table__.columns)
# A use with its lots and patch test; a tuple, built in one step (five per session, millions).
# Its fields come from the table, which mypy cannot follow: hence the cast.
UseRecord: Any = cast(Any, namedtuple)(
    "UseRecord", (*_USE_KEYS, "lot", "diluent_lot", "patch_test")
)


_LOT_KEYS = tuple(column.key for column in _LOT)


class Lot:
    """A lot as the seal reads it; whether it is a pigment is the model's own rule. Slotted:
    a walk keeps every lot it met (tens of thousands) to the end."""

    __slots__ = (*_LOT_KEYS, "product")
    is_pigment = SupplyLot.is_pigment

    def __init__(self, values: tuple, product: Any) -> None:
        fields = dict(zip(_LOT_KEYS, values, strict=True))
        for day in ("expiry_date", "sterility_expiry"):  # written into every seal of the lot,
            fields[day] = _iso(fields[day])  # never compared: their text once, here
        for key, value in fields.items():
            setattr(self, key, value)
        self.product = product


LOTS_KEPT = 50_000  # lots remembered between batches: about 10 MB at most


class Reader:
    """One walk over sealed sessions: the database's way with times, and what many sessions
    share, read once (lots with their products, clinic names)."""

    def __init__(self) -> None:
        self.times = IsoTimes(db.session.get_bind().dialect)
        self.lots: dict[int, Lot] = {}
        self.products: dict[int, SimpleNamespace] = {}
        self.clinics: dict[int, SimpleNamespace] = {}

    def rows(
        self, model: Any, where: Any, limit: int | None = None
    ) -> tuple[tuple[str, ...], Sequence[Any]]:
        """Every column of the model's rows matching `where`, by session then id (at most
        `limit`), with the times the seal only writes down already in its text; and the
        column names."""
        as_text = _AS_TEXT.get(model, ())
        columns = [self.times.column(c) if c.key in as_text else c for c in model.__table__.columns]
        found = db.session.connection().execute(
            select(*columns).where(where).order_by(*_ORDER[model]).limit(limit)
        )
        positions = [i for i, c in enumerate(model.__table__.columns) if c.key in as_text]
        if not (positions and self.times.raw):
            return tuple(c.key for c in model.__table__.columns), found.all()
        read = self.times.read
        rows = []
        for row in found.all():
            values = list(row)
            for i in positions:
                values[i] = read(values[i])
            rows.append(values)
        return tuple(c.key for c in model.__table__.columns), rows

    def lots_for(self, ids: set[int]) -> dict[int, Lot]:
        if len(self.lots) > LOTS_KEPT:
            self.lots.clear()  # a bound, so memory stays flat however many lots a walk meets
        missing = ids - self.lots.keys()
        if missing:
            found = db.session.connection().execute(
                select(*_LOT, Product.gtin, Product.kind)
                .join(Product, Product.id == SupplyLot.product_id)
                .where(SupplyLot.id.in_(bindparam("ids", expanding=True))),
                {"ids": sorted(missing)},
            )
            for *values, gtin, kind in found.all():
                product_id = values[1]
                if product_id not in self.products:
                    self.products[product_id] = SimpleNamespace(gtin=gtin, kind=kind)
                self.lots[values[0]] = Lot(tuple(values), self.products[product_id])
        return self.lots

    def clinic(self, clinic_id: int) -> SimpleNamespace:
        if clinic_id not in self.clinics:
            name = db.session.scalar(select(Clinic.name).where(Clinic.id == clinic_id))
            self.clinics[clinic_id] = SimpleNamespace(id=clinic_id, name=name)
        return self.clinics[clinic_id]


def _iso(day: Any) -> Any:
    return None if day is None else day.isoformat()


_ORDER: dict[Any, tuple[Any, ...]] = {
    TreatmentSession: (TreatmentSession.id,),
    SupplyUse: (SupplyUse.session_id, SupplyUse.id),
    ChecklistAnswer: (ChecklistAnswer.session_id, ChecklistAnswer.id),
    SafetyOverride: (SafetyOverride.session_id, SafetyOverride.id),
}


def sealed_batches(after_id: int, up_to: int | None, size: int) -> Iterator[list[Any]]:
    """Sealed sessions with ids in (after_id, up_to], whatever their status, `size` at a time,
    each with everything its seal covers but the consent and packs (`seal_inputs`)."""
    reader = Reader()
    while True:
        where = TreatmentSession.sealed_digest.is_not(None) & (TreatmentSession.id > after_id)
        if up_to is not None:
            where &= TreatmentSession.id <= up_to
        sessions = _sessions(reader, where, size)
        if not sessions:
            return
        _attach_uses(reader, sessions)
        _attach(reader, sessions, ChecklistAnswer, "answers")
        _attach(reader, sessions, SafetyOverride, "overrides")
        yield list(sessions.values())
        if len(sessions) < size:
            return
        after_id = max(sessions)


def _sessions(reader: Reader, where: Any, size: int) -> dict[int, SimpleNamespace]:
    keys, rows = reader.rows(TreatmentSession, where, size)
    found: dict[int, SimpleNamespace] = {}
    for row in rows:
        session = SimpleNamespace(uses=[], answers=[], overrides=[])
        session.__dict__.update(zip(keys, row, strict=True))
        session.clinic = reader.clinic(session.clinic_id)
        found[session.id] = session
    return found


def _between(column: Any, sessions: dict[int, Any]) -> Any:
    """The batch's sessions are consecutive sealed ids: one index range finds their rows."""
    return column.between(min(sessions), max(sessions))


def _attach_uses(reader: Reader, sessions: dict[int, Any]) -> None:
    keys, rows = reader.rows(SupplyUse, _between(SupplyUse.session_id, sessions))
    index = {key: i for i, key in enumerate(keys)}
    session_at, lot_at = index["session_id"], index["lot_id"]
    diluent_at, test_at = index["diluent_lot_id"], index["patch_test_id"]
    rows = [row for row in rows if row[session_at] in sessions]
    lots = reader.lots_for({r[lot_at] for r in rows} | {r[diluent_at] for r in rows} - {None})
    tests = _patch_tests({r[test_at] for r in rows} - {None})
    new_use = tuple.__new__  # UseRecord(*fields) without binding a dozen named parameters
    for row in rows:
        lot, diluent, test = lots[row[lot_at]], lots.get(row[diluent_at]), tests.get(row[test_at])
        sessions[row[session_at]].uses.append(new_use(UseRecord, (*row, lot, diluent, test)))


def _patch_tests(ids: set[int]) -> dict[int, SimpleNamespace]:
    """The patch tests that cleared the batch's pigments, each with the products it tested."""
    if not ids:
        return {}
    tests = {
        row.id: SimpleNamespace(**row._asdict(), products=[])
        for row in db.session.execute(
            select(*PatchTest.__table__.columns).where(PatchTest.id.in_(sorted(ids)))
        )
    }
    tested = db.session.execute(
        select(patch_test_product.c.patch_test_id, patch_test_product.c.product_id).where(
            patch_test_product.c.patch_test_id.in_(sorted(ids))
        )
    )
    for test_id, product_id in tested:
        tests[test_id].products.append(SimpleNamespace(id=product_id))
    return tests


def _attach(reader: Reader, sessions: dict[int, Any], model: Any, attribute: str) -> None:
    keys, rows = reader.rows(model, _between(model.session_id, sessions))
    session_at = keys.index("session_id")
    for row in rows:
        if row[session_at] in sessions:
            found = SimpleNamespace()
            found.__dict__.update(zip(keys, row, strict=True))
            getattr(sessions[row[session_at]], attribute).append(found)
