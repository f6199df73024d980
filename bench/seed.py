"""A clinic chain at scale, loaded in bulk (not the ORM row by row, not the rules a million times).

At BENCH_SCALE=1: 20 clinics, 200 technicians, 250,000 clients, 1,000,000 sealed sessions,
5,000,000 supply uses, 50,000 lots, one lot in 2% of all uses (clinic 1 is the flagship, with a
fifth of the sessions), and an audit chain of 6,000,000 entries (one per use, one per seal) made
with the project's own hashing, so `audit-verify` passes: each seal is the real digest of what
was loaded. The sessions are made one process per core (bench/sealed.py) and loaded in bulk
(bench/bulk.py): executemany on SQLite, COPY on PostgreSQL, indexes built after the load.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace
from typing import Any

import bulk
import sealed
from bulk import Loader
from sealed import EPOCH
from sqlalchemy import func, select, text

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic, Role
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import users
from smp_hygiene.services.sessions import sealing
from smp_hygiene.services.verification import signing

PASSWORD = "bench-password-1"  # noqa: S105  a throwaway database on 127.0.0.1
EXPIRY = date(2031, 1, 1)


def sizes(scale: float) -> dict[str, int]:
    return {
        "clinics": 20,
        "technicians": max(20, round(200 * scale)),
        "clients": max(200, round(250_000 * scale)),
        "sessions": max(1_000, round(1_000_000 * scale)),
        "lots": max(200, round(50_000 * scale)),
    }


def _clinics() -> list[Clinic]:
    """Clinics with a key and an auditor each, through the services (20 of each, not millions)."""
    clinics = [Clinic(name=f"Bench Clinic {i + 1}", timezone="Europe/London") for i in range(20)]
    db.session.add_all(clinics)
    db.session.flush()
    for clinic in clinics:
        signing.ensure_clinic_key(clinic)
        users.create_user(clinic, f"audit{clinic.id}@bench.test", Role.AUDITOR, PASSWORD)
    db.session.flush()
    return clinics


USER_COLUMNS = (
    "id", "clinic_id", "email", "display_name", "role", "password_hash", "created_at",
    "licence_number", "licence_issuer", "is_active_user", "session_version",
    "must_change_password", "pin_failures",
)  # fmt: skip
CLIENT_COLUMNS = (
    "id", "clinic_id", "full_name", "date_of_birth", "created_at", "phone", "email", "address",
    "medical_notes",
)  # fmt: skip
PRODUCT_COLUMNS = (
    "id", "clinic_id", "kind", "manufacturer", "name", "gtin", "product_key", "colour",
    "is_serialised", "created_at", "configuration", "allows_manual_lot",
)  # fmt: skip
LOT_COLUMNS = (
    "id", "clinic_id", "product_id", "lot_number", "lot_key", "status", "label_code",
    "received_by_id", "expiry_date", "sterility_expiry", "has_tattoo_use_statement",
    "ingredients", "received_at", "status_reason", "status_reference", "quantity_received",
    "raw_barcode", "label_warnings",
)  # fmt: skip


def _people(loader: Loader, clinics: list[int], n: dict[str, int], first_user: int) -> tuple:
    """Technicians and clients, spread over the clinics; each clinic's ids of both."""
    now, yes, no = loader.ts(EPOCH.isoformat()), loader.flag(True), loader.flag(False)
    techs = [(first_user + i, clinics[i % 20]) for i in range(n["technicians"])]
    # Technicians never sign in here: "!" is no usable password hash.
    loader.write(
        "user",
        USER_COLUMNS,
        (
            (
                t,
                c,
                f"tech{t}@bench.test",
                f"Tech {t}",
                "technician",
                "!",
                now,
                "",
                "",
                yes,
                1,
                no,
                0,
            )
            for t, c in techs
        ),
    )
    clients = [(i + 1, clinics[i % 20]) for i in range(n["clients"])]
    born = loader.day(date(1990, 1, 1))
    loader.write(
        "client",
        CLIENT_COLUMNS,
        ((i, c, f"Client Number{i}", born, now, "", "", "", "") for i, c in clients),
    )
    return _by_clinic(techs), _by_clinic(clients)


def _by_clinic(pairs: list[tuple[int, int]]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for thing, clinic in pairs:
        grouped.setdefault(clinic, []).append(thing)
    return grouped


def _catalogue(loader: Loader, clinics: list[int], lots: int, techs_of: dict) -> dict:
    """Five pigments and five cartridges per clinic, lots spread over them; each clinic's lots
    as the seal reads them (dates in their ISO form)."""
    products: list[tuple[int, int, str, str]] = []
    now, no = loader.ts(EPOCH.isoformat()), loader.flag(False)
    for n, clinic in enumerate(clinics):
        for k in range(10):
            kind = "pigment" if k < 5 else "needle_cartridge"
            gtin = f"0950110{n:03d}{k:03d}0"
            products.append((len(products) + 1, clinic, kind, gtin))
    loader.write(
        "product",
        PRODUCT_COLUMNS,
        (
            (
                i,
                c,
                k,
                "Bench Pigments",
                f"Product {i}",
                g,
                g,
                "Ash" if k == "pigment" else "",
                no,
                now,
            )
            + ("", no)
            for i, c, k, g in products
        ),
    )
    lots_of: dict[int, list[SimpleNamespace]] = {clinic: [] for clinic in clinics}
    rows = []
    for i in range(1, lots + 1):
        product_id, clinic, kind, gtin = products[(i - 1) % len(products)]
        lot = _lot(i, product_id, gtin, is_pigment=kind == "pigment")
        lots_of[clinic].append(lot)
        expiry = loader.day(EXPIRY)
        rows.append(
            (i, clinic, product_id, lot.lot_number, lot.lot_number, "available", f"LBL{i:09d}")
            + (techs_of[clinic][0], expiry, None if lot.is_pigment else expiry)
            + (loader.flag(lot.is_pigment), lot.ingredients, now, "", "", 1000, "", "")
        )
    loader.write("supply_lot", LOT_COLUMNS, rows)
    return lots_of


def _lot(i: int, product_id: int, gtin: str, is_pigment: bool) -> SimpleNamespace:
    return SimpleNamespace(
        id=i,
        product_id=product_id,
        lot_number=f"B{i:06d}",
        expiry_date=EXPIRY.isoformat(),
        sterility_expiry=None if is_pigment else EXPIRY.isoformat(),
        is_pigment=is_pigment,
        is_needle=not is_pigment,
        has_tattoo_use_statement=is_pigment,
        ingredients="Aqua, CI 77266" if is_pigment else "",
        label_warnings="",
        product=SimpleNamespace(gtin=gtin),
    )


@contextmanager
def _no_consent_or_packs() -> Iterator[None]:
    """The seal covers the consent and packs too: none were loaded, so none are looked up (the
    consent's finder is `_consent` in code older than issue 15)."""
    finder = "_find_consent" if hasattr(sealing, "_find_consent") else "_consent"
    real = getattr(sealing, finder), sealing.packs.list_pack_uses
    setattr(sealing, finder, lambda s: None)
    sealing.packs.list_pack_uses = lambda s: []
    try:
        yield
    finally:
        setattr(sealing, finder, real[0])
        sealing.packs.list_pack_uses = real[1]


def _reset_sequences() -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for table in (
        "user",
        "client",
        "product",
        "supply_lot",
        "treatment_session",
        "supply_use",
        "audit_entry",
    ):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                f'(SELECT max(id) FROM "{table}"))'
            )
        )


class _Laps:
    """Seconds taken by each phase of the seed, for the report."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.start = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = round(now - self.start, 1)
        self.start = now


def _analyze() -> None:
    """Statistics for the planner, and on PostgreSQL the visibility map too (VACUUM), as
    autovacuum would soon give a live database: without it, index-only scans read the heap."""
    if db.engine.dialect.name != "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")


def seed(scale: float) -> dict[str, Any]:
    """Load the chain at `scale`; what the measurements need to find their way back in."""
    users.use_hash_parameters(time_cost=1, memory_cost_kib=1024)  # 20 auditors, not 20 s
    n, lap = sizes(scale), _Laps()
    clinics = [clinic.id for clinic in _clinics()]
    first_user = (db.session.scalar(select(func.max(users.User.id))) or 0) + 1
    tails = {clinic: chain._tail_hash(clinic) for clinic in clinics}
    first_entry = (db.session.scalar(select(func.max(AuditEntry.id))) or 0) + 1
    with bulk.loading() as loader:
        techs_of, clients_of = _people(loader, clinics, n, first_user)
        lots_of = _catalogue(loader, clinics, n["lots"], techs_of)
        # The recall drill's lot: a cartridge of the flagship clinic, in 2% of every use.
        hot_lot = next(lot for lot in lots_of[clinics[0]] if lot.is_needle)
        plan = sealed.Plan(
            n["sessions"], clinics, techs_of, clients_of, lots_of, hot_lot, tails, first_entry
        )
        lap("people and lots")
        with _no_consent_or_packs():
            sealed.load_sessions(loader, plan)
        lap("sessions, uses and entries")
    lap("indexes")
    _reset_sequences()
    db.session.commit()
    _analyze()
    lap("analyze")
    return {
        "sizes": n,
        "seconds": lap.seconds,
        "clinic_id": clinics[0],
        "hot_lot": hot_lot.lot_number,
        "auditor": f"audit{clinics[0]}@bench.test",
    }
