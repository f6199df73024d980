"""Benchmarks: print figures against the targets; never fail a build on timing.

    python bench/run.py [--uses 200000] [--database-url URL]

Targets (a technician waits for a scan; an inspector waits for a recall list):
  parse_barcode              < 1 ms per scan
  record_scan (full rules)   < 50 ms median
  trace-lot at N uses        < 200 ms
  audit chain verify         > 5,000 entries/s
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from smp_hygiene.app import create_app  # noqa: E402
from smp_hygiene.extensions import db  # noqa: E402
from smp_hygiene.models import (  # noqa: E402
    ProductKind,
    SessionStatus,
    SupplyUse,
    TreatmentSession,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.barcodes.reader import parse_barcode  # noqa: E402
from smp_hygiene.services.sessions import lifecycle
from smp_hygiene.services.traceability import lots as traceability
from smp_hygiene.timeutil import utcnow  # noqa: E402
from tests import factories  # noqa: E402


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float], target: str) -> None:
    median = statistics.median(samples)
    p95 = sorted(samples)[int(len(samples) * 0.95) - 1] if len(samples) > 1 else median
    print(f"{name:<34} median {median:8.2f} ms   p95 {p95:8.2f} ms   target {target}")


def seed(uses: int):
    """Bulk rows with core inserts: realistic volume without running the rules a million times."""
    tech = factories.make_user()
    lots = [factories.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE) for _ in range(50)]
    clients = [factories.make_client() for _ in range(500)]
    db.session.commit()
    per_session, now = 4, utcnow()
    session_rows = [
        dict(
            clinic_id=tech.clinic_id,
            client_id=clients[i % 500].id,
            technician_id=tech.id,
            started_at=now - timedelta(minutes=i),
            status=SessionStatus.COMPLETED,
            course_number=1,
            treated_area="",
            notes="",
            void_reason="",
        )
        for i in range(uses // per_session)
    ]
    db.session.execute(insert(TreatmentSession), session_rows)
    ids = [r[0] for r in db.session.query(TreatmentSession.id).all()]
    use_rows = [
        dict(
            session_id=ids[i // per_session],
            lot_id=lots[i % 50].id,
            quantity=1,
            used_at=now,
            used_by_id=tech.id,
            raw_barcode="",
        )
        for i in range(len(ids) * per_session)
    ]
    for start in range(0, len(use_rows), 50_000):
        db.session.execute(insert(SupplyUse), use_rows[start : start + 50_000])
    db.session.commit()
    return lots[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uses", type=int, default=200_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "APP_ENV": "test"})
    with app.app_context():
        db.create_all()
        raw = "]d2010950110153000317280531\x1d10AB-123\x1d21SER42"
        report("parse_barcode", timed(lambda: parse_barcode(raw), 2000), "< 1 ms")
        lot = seed(args.uses)
        print(f"seeded {db.session.query(SupplyUse).count():,} supply uses")
        report(
            f"trace-lot ({args.uses:,} uses)",
            timed(lambda: traceability.trace_lot_number(lot.lot_number), 5),
            "< 200 ms",
        )
        scan_session = factories.make_ready_session()
        cartridge = factories.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
        serials = iter(range(10**6))

        def scan():
            lifecycle.record_scan(
                scan_session,
                factories.gs1_for(cartridge, serial=f"B{next(serials)}"),
                scan_session.technician,
            )
            db.session.commit()

        report("record_scan + commit", timed(scan, 100), "< 50 ms")
        entries = db.session.query(chain.AuditEntry).count()
        [ms] = timed(chain.verify_chain, 1)
        print(
            f"{'audit chain verify':<34} {entries / (ms / 1000):10,.0f} entries/s   "
            f"target > 5,000/s"
        )


if __name__ == "__main__":
    main()
