"""The benchmark's bulk seeder (bench/seed.py) at its smallest size: what it loads must be what
the application itself would accept, so a change to sealing or to the chain that the seeder does
not follow fails here rather than an hour into a full-scale run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, SupplyLot, SupplyUse, TreatmentSession
from tests.apps import app_on

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, database_url):
    """An app on a database seeded once for these tests (they only read it): a file for SQLite
    (the seeder reconnects, and an in-memory database would not survive that), the suite's
    database for PostgreSQL."""
    tmp_path = tmp_path_factory.mktemp("bench")
    sys.path.insert(0, str(BENCH))
    try:
        import seed
    finally:
        sys.path.remove(str(BENCH))
    if os.environ.get("TEST_DATABASE") != "postgres":
        database_url = f"sqlite:///{tmp_path}/bench.sqlite3"
    with app_on(database_url, tmp_path, TESTING=True, APP_ENV="test") as app:
        with app.app_context():
            world = seed.seed(0.001)  # the floor of every size: 1,000 sessions
            db.session.remove()
        yield app, world


def test_bench_seed_passes_audit_verify_from_genesis(seeded):
    app, _world = seeded
    result = app.test_cli_runner().invoke(args=["audit-verify", "--full"])
    assert result.exit_code == 0, result.output
    assert "1000 sealed sessions match" in result.output


def test_bench_seed_loads_the_sizes_it_reports_with_the_hot_lot_in_2_percent_of_uses(seeded):
    app, world = seeded
    with app.app_context():
        assert db.session.scalar(select(func.count(TreatmentSession.id))) == 1000
        assert db.session.scalar(select(func.count(SupplyUse.id))) == 5000
        # One entry per use and per seal, after the clinics' own (keys, auditors).
        entries = db.session.scalar(select(func.count(AuditEntry.id)))
        assert 6000 < entries < 6000 + 20 * 10
        hot_uses = db.session.scalar(
            select(func.count(SupplyUse.id))
            .join(SupplyLot, SupplyUse.lot_id == SupplyLot.id)
            .where(SupplyLot.lot_number == world["hot_lot"])
        )
    # Every tenth session (half the flagship's) uses it, and random picks add a few more.
    assert hot_uses >= 100
    assert world["sizes"]["sessions"] == 1000


def test_bench_seed_leaves_every_index_of_the_schema_in_place(seeded):
    app, _world = seeded
    with app.app_context():
        found = inspect(db.engine)
        for table in ("treatment_session", "supply_use", "audit_entry"):
            names = {index["name"] for index in found.get_indexes(table)}
            assert {index.name for index in db.metadata.tables[table].indexes} <= names
