"""The same schema and rules on PostgreSQL, including races between two chairs.

Runs when PostgreSQL answers on 127.0.0.1:5432 (it does here and in CI); skipped elsewhere.
"""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from smp_hygiene.demo import clinic
from smp_hygiene.errors import AlreadyUsed
from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, SupplyUse, TreatmentSession
from smp_hygiene.services.audit import chain, verifying
from smp_hygiene.services.sessions import lifecycle, sealing
from tests.factories import gs1_for, make_client, make_lot, make_ready_session, make_user

psycopg = pytest.importorskip("psycopg")
pytestmark = pytest.mark.postgres


def test_migrations_match_the_models_on_postgres(pg_app):
    with pg_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})

        assert compare_metadata(context, db.metadata) == []


def test_demo_clinic_seals_and_verifies_on_postgres(pg_app):
    with pg_app.app_context():
        clinic.load()
        db.session.commit()

        assert all(report.ok for report in verifying.verify_every_clinic())
        assert sealing.verify_seals().checked == 12


def _in_parallel(app, work, n=2):
    """Run `work(i)` in n threads, each with its own app context and database session."""
    barrier, outcomes = threading.Barrier(n), [None] * n

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                outcomes[i] = work(i)
                db.session.commit()
            except Exception as error:  # noqa: BLE001  the outcome is what the test inspects
                db.session.rollback()
                outcomes[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_technicians_scanning_one_serialised_cartridge_at_once_record_it_once(pg_app):
    with pg_app.app_context():
        lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
        ids = [make_ready_session().id, make_ready_session().id]
        raw = gs1_for(lot, serial="RACE-1")
        db.session.commit()

    def scan(i):
        session = db.session.get(TreatmentSession, ids[i])
        return lifecycle.record_scan(session, raw, session.technician).use.id

    outcomes = _in_parallel(pg_app, scan)

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], AlreadyUsed), errors[0]
    assert "was already used in session" in str(errors[0])
    with pg_app.app_context():
        assert db.session.query(SupplyUse).filter_by(serial="RACE-1").count() == 1


def test_concurrent_writers_keep_one_unbroken_audit_chain(pg_app):
    with pg_app.app_context():
        actor_id = make_user().id
        db.session.commit()

    def append(_):
        from smp_hygiene.models import User

        actor = db.session.get(User, actor_id)
        for _ in range(10):
            chain.record(actor, "client.created", make_client())
            db.session.commit()

    outcomes = _in_parallel(pg_app, append, n=3)

    assert not [o for o in outcomes if isinstance(o, Exception)]
    with pg_app.app_context():
        (report,) = verifying.verify_every_clinic()
        assert report.ok
        assert report.entries >= 31
