"""A clinic chain at scale, loaded in bulk (not the ORM row by row, not the rules a million times).

At BENCH_SCALE=1: 20 clinics, 200 technicians, 250,000 clients, 1,000,000 sealed sessions,
5,000,000 supply uses, 50,000 lots, one lot in 2% of all uses (clinic 1 is the flagship, with a
fifth of the sessions), and an audit chain of 6,000,000 entries (one per use, one per seal) made
with the project's own hashing, so `audit-verify` passes: each seal is the real digest of what
was loaded. SQLite rows go in with executemany in big transactions, PostgreSQL rows with COPY.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select, text

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic, Role
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import users
from smp_hygiene.services.sessions import sealing
from smp_hygiene.services.verification import signing

CHUNK = 50_000
USES_PER_SESSION = 5
PASSWORD = "bench-password-1"  # noqa: S105  a throwaway database on 127.0.0.1
EPOCH = datetime(2023, 1, 2, 9, 0, tzinfo=UTC)


def sizes(scale: float) -> dict[str, int]:
    return {
        "clinics": 20,
        "technicians": max(20, round(200 * scale)),
        "clients": max(200, round(250_000 * scale)),
        "sessions": max(1_000, round(1_000_000 * scale)),
        "lots": max(200, round(50_000 * scale)),
    }


class Writer:
    """Rows into a table, the fastest way each database takes them."""

    def __init__(self) -> None:
        self.connection = db.session.connection().connection.driver_connection
        self.postgres = db.engine.dialect.name == "postgresql"

    def ts(self, value: datetime) -> Any:
        return value if self.postgres else value.strftime("%Y-%m-%d %H:%M:%S.%f")

    def day(self, value: date) -> Any:
        return value if self.postgres else value.isoformat()

    def flag(self, value: bool) -> Any:
        return value if self.postgres else int(value)

    def write(self, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> int:
        names = ", ".join(f'"{c}"' for c in columns)
        count = 0
        if self.postgres:
            copy_sql = f'COPY "{table}" ({names}) FROM STDIN'
            with self.connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608  fixed names
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                self.connection.executemany(sql, batch)
                count, batch = count + len(batch), []
        self.connection.executemany(sql, batch)
        return count + len(batch)


def _people(writer: Writer, n: dict[str, int]) -> dict[str, Any]:
    """Clinics, a key and an auditor each (through the services), technicians and clients."""
    clinics = [Clinic(name=f"Bench Clinic {i + 1}", timezone="Europe/London") for i in range(20)]
    db.session.add_all(clinics)
    db.session.flush()
    auditors = []
    for clinic in clinics:
        signing.ensure_clinic_key(clinic)
        auditors.append(
            users.create_user(clinic, f"audit{clinic.id}@bench.test", Role.AUDITOR, PASSWORD)
        )
    db.session.flush()
    ids = [c.id for c in clinics]
    now, tech_hash = writer.ts(EPOCH), "!"  # technicians never sign in here: no usable hash
    first_user = (db.session.scalar(select(func.max(users.User.id))) or 0) + 1
    techs = [(first_user + i, ids[i % 20]) for i in range(n["technicians"])]
    f = writer.flag
    writer.write(
        "user",
        (
            "id",
            "clinic_id",
            "email",
            "display_name",
            "role",
            "password_hash",
            "created_at",
            "licence_number",
            "licence_issuer",
            "is_active_user",
            "session_version",
            "must_change_password",
            "pin_failures",
        ),
        (
            (
                t,
                c,
                f"tech{t}@bench.test",
                f"Tech {t}",
                "technician",
                tech_hash,
                now,
                "",
                "",
                f(True),
                1,
                f(False),
                0,
            )
            for t, c in techs
        ),
    )
    clients = [(i + 1, ids[i % 20]) for i in range(n["clients"])]
    writer.write(
        "client",
        (
            "id",
            "clinic_id",
            "full_name",
            "date_of_birth",
            "created_at",
            "phone",
            "email",
            "address",
            "medical_notes",
        ),
        (
            (i, c, f"Client Number{i}", writer.day(date(1990, 1, 1)), now, "", "", "", "")
            for i, c in clients
        ),
    )
    return {"clinics": ids, "techs": techs, "clients": clients}


def _catalogue(writer: Writer, world: dict[str, Any], lots: int) -> None:
    """Five pigments and five cartridges per clinic; lots spread over them."""
    products, now = [], writer.ts(EPOCH)
    for n, clinic in enumerate(world["clinics"]):
        for k in range(10):
            kind = "pigment" if k < 5 else "needle_cartridge"
            gtin = f"0950110{n:03d}{k:03d}0"
            products.append((len(products) + 1, clinic, kind, gtin))
    writer.write(
        "product",
        (
            "id",
            "clinic_id",
            "kind",
            "manufacturer",
            "name",
            "gtin",
            "product_key",
            "colour",
            "is_serialised",
            "created_at",
            "configuration",
            "allows_manual_lot",
        ),
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
                writer.flag(False),
                now,
                "",
                writer.flag(False),
            )
            for i, c, k, g in products
        ),
    )
    first_tech = {}
    for tech, clinic in world["techs"]:
        first_tech.setdefault(clinic, tech)
    world["lots"] = lots_by_clinic = {clinic: [] for clinic in world["clinics"]}
    world["lot"] = {}
    rows = []
    for i in range(lots):
        product = products[i % len(products)]
        is_pigment = product[2] == "pigment"
        lot = SimpleNamespace(
            id=i + 1,
            product_id=product[0],
            lot_number=f"B{i + 1:06d}",
            expiry_date=date(2031, 1, 1),
            sterility_expiry=None if is_pigment else date(2031, 1, 1),
            is_pigment=is_pigment,
            is_needle=not is_pigment,
            has_tattoo_use_statement=is_pigment,
            ingredients="Aqua, CI 77266" if is_pigment else "",
            label_warnings="",
            product=SimpleNamespace(gtin=product[3]),
        )
        world["lot"][lot.id] = lot
        lots_by_clinic[product[1]].append(lot)
        rows.append(
            (
                lot.id,
                product[1],
                product[0],
                lot.lot_number,
                lot.lot_number,
                "available",
                f"LBL{lot.id:09d}",
                first_tech[product[1]],
                writer.day(lot.expiry_date),
                writer.day(lot.sterility_expiry) if lot.sterility_expiry else None,
                writer.flag(is_pigment),
                lot.ingredients,
                now,
                "",
                "",
                1000,
                "",
                "",
            )
        )
    writer.write(
        "supply_lot",
        (
            "id",
            "clinic_id",
            "product_id",
            "lot_number",
            "lot_key",
            "status",
            "label_code",
            "received_by_id",
            "expiry_date",
            "sterility_expiry",
            "has_tattoo_use_statement",
            "ingredients",
            "received_at",
            "status_reason",
            "status_reference",
            "quantity_received",
            "raw_barcode",
            "label_warnings",
        ),
        iter(rows),
    )
    # The recall drill's lot: a cartridge of the flagship clinic, in 2% of every use.
    world["hot_lot"] = next(lot for lot in lots_by_clinic[world["clinics"][0]] if lot.is_needle)


def _clinic_of_session(i: int, clinics: list[int]) -> int:
    """The flagship clinic has a fifth of all sessions; the other 19 share the rest."""
    return clinics[0] if i % 5 == 0 else clinics[1 + i % 19]


class _Chain:
    """Each clinic's chain, continued from the entries the services already wrote."""

    def __init__(self, clinics: list[int]) -> None:
        self.prev = {clinic: chain._tail_hash(clinic) for clinic in clinics}
        self.next_id = (db.session.scalar(select(func.max(AuditEntry.id))) or 0) + 1

    def entry(
        self,
        writer: Writer,
        clinic: int,
        actor: tuple[int, str],
        at: datetime,
        action: str,
        entity: tuple[str, int],
        after: dict,
    ) -> tuple:
        body = SimpleNamespace(
            clinic_id=clinic,
            prev_hash=self.prev[clinic],
            at=at.isoformat(),  # what canonical() writes for the datetime: same hash, faster
            actor_id=actor[0],
            actor_label=actor[1],
            action=action,
            entity_type=entity[0],
            entity_id=str(entity[1]),
            before="null",
            after=chain.canonical(after),
        )
        self.prev[clinic] = digest = chain.entry_hash(body)
        row = (
            self.next_id,
            clinic,
            writer.ts(at),
            actor[0],
            actor[1],
            action,
            entity[0],
            str(entity[1]),
            "null",
            body.after,
            body.prev_hash,
            digest,
        )
        self.next_id += 1
        return row


SESSION_COLUMNS = (
    "id",
    "clinic_id",
    "client_id",
    "technician_id",
    "course_number",
    "treated_area",
    "notes",
    "status",
    "started_at",
    "completed_at",
    "label_info_provided_at",
    "sealed_digest",
    "verify_token",
    "void_reason",
)
USE_COLUMNS = (
    "id",
    "session_id",
    "lot_id",
    "quantity",
    "used_at",
    "used_by_id",
    "raw_barcode",
    "is_hand_entry",
)
ENTRY_COLUMNS = (
    "id",
    "clinic_id",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "prev_hash",
    "entry_hash",
)


def _session(i: int, world: dict[str, Any], rng: random.Random, span: timedelta) -> SimpleNamespace:
    clinic = _clinic_of_session(i, world["clinics"])
    techs = world["techs_of"][clinic]
    clients = world["clients_of"][clinic]
    started = EPOCH + span * (i / world["n_sessions"])
    started = started.replace(microsecond=0)
    lots = world["lots"][clinic]
    needles = [lot for lot in lots if lot.is_needle]
    chosen = [
        world["hot_lot"] if clinic == world["clinics"][0] and i % 10 == 0 else rng.choice(needles)
    ]
    chosen += [rng.choice(lots) for _ in range(USES_PER_SESSION - 1)]
    return SimpleNamespace(
        id=i + 1,
        clinic_id=clinic,
        client_id=rng.choice(clients),
        technician_id=rng.choice(techs),
        course_number=1,
        treated_area="Brows",
        notes="",
        started_at=started,
        completed_at=started + timedelta(hours=2),
        label_info_provided_at=started,
        answers=[],
        overrides=[],
        lots=chosen,
        uses=[],
    )


def _sealed_rows(writer: Writer, chained: _Chain, world: dict, i: int, rng, span, next_use: int):
    """One session's row, its uses' rows and its chain entries (a use each, then the seal)."""
    s = _session(i, world, rng, span)
    actor = (s.technician_id, f"tech{s.technician_id}@bench.test")
    uses, entries = [], []
    for k, lot in enumerate(s.lots):
        used_at = s.started_at + timedelta(minutes=5 + k)
        use = SimpleNamespace(
            id=next_use + k,
            lot=lot,
            quantity=1,
            serial=None,
            used_at=used_at,
            used_by_id=s.technician_id,
            raw_barcode="",
            diluent_lot_id=None,
            diluent_lot=None,
            patch_test_id=None,
            patch_test=None,
            is_hand_entry=False,
        )
        s.uses.append(use)
        uses.append(
            (use.id, s.id, lot.id, 1, writer.ts(used_at), s.technician_id, "", writer.flag(False))
        )
        entries.append(
            chained.entry(
                writer,
                s.clinic_id,
                actor,
                used_at,
                "supply_use.recorded",
                ("SupplyUse", use.id),
                {"lot_id": lot.id, "session_id": s.id},
            )
        )
    digest = sealing._sha256(sealing.sealed_content(s))
    entries.append(
        chained.entry(
            writer,
            s.clinic_id,
            actor,
            s.completed_at,
            "session.completed",
            ("TreatmentSession", s.id),
            {"status": "completed", "sealed_digest": digest},
        )
    )
    session = (
        s.id,
        s.clinic_id,
        s.client_id,
        s.technician_id,
        1,
        "Brows",
        "",
        "completed",
        writer.ts(s.started_at),
        writer.ts(s.completed_at),
        writer.ts(s.started_at),
        digest,
        secrets.token_urlsafe(18),
        "",
    )
    return session, uses, entries


def _sessions(writer: Writer, world: dict[str, Any], n_sessions: int) -> None:
    world["n_sessions"] = n_sessions
    world["techs_of"], world["clients_of"] = {}, {}
    for tech, clinic in world["techs"]:
        world["techs_of"].setdefault(clinic, []).append(tech)
    for client, clinic in world["clients"]:
        world["clients_of"].setdefault(clinic, []).append(client)
    rng, span, chained = random.Random(15), timedelta(days=3 * 365), _Chain(world["clinics"])
    # The seal covers the consent and packs too: none were loaded, so none are looked up (the
    # consent's finder is `_consent` in code older than issue 15).
    finder = "_find_consent" if hasattr(sealing, "_find_consent") else "_consent"
    real = getattr(sealing, finder), sealing.packs.list_pack_uses
    setattr(sealing, finder, lambda s: None)
    sealing.packs.list_pack_uses = lambda s: []
    try:
        for start in range(0, n_sessions, CHUNK // USES_PER_SESSION):
            sessions, uses, entries = [], [], []
            for i in range(start, min(n_sessions, start + CHUNK // USES_PER_SESSION)):
                row, use_rows, entry_rows = _sealed_rows(
                    writer, chained, world, i, rng, span, i * USES_PER_SESSION + 1
                )
                sessions.append(row)
                uses += use_rows
                entries += entry_rows
            writer.write("treatment_session", SESSION_COLUMNS, iter(sessions))
            writer.write("supply_use", USE_COLUMNS, iter(uses))
            writer.write("audit_entry", ENTRY_COLUMNS, iter(entries))
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


def seed(scale: float) -> dict[str, Any]:
    """Load the chain at `scale`; what the measurements need to find their way back in."""
    users.use_hash_parameters(time_cost=1, memory_cost_kib=1024)  # 20 auditors, not 20 s
    n = sizes(scale)
    writer = Writer()
    world = _people(writer, n)
    _catalogue(writer, world, n["lots"])
    _sessions(writer, world, n["sessions"])
    _reset_sequences()
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {
        "sizes": n,
        "clinic_id": world["clinics"][0],
        "hot_lot": world["hot_lot"].lot_number,
        "auditor": f"audit{world['clinics'][0]}@bench.test",
    }
