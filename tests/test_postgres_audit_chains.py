"""Per-clinic chains on PostgreSQL: one clinic's writers never wait for another's.

Runs when PostgreSQL answers on 127.0.0.1:5432; skipped elsewhere, as tests/test_postgres.py is.
"""

from __future__ import annotations

import threading

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import User
from smp_hygiene.services.audit import chain, verifying
from tests.factories import make_client, make_clinic, make_user
from tests.test_postgres import _in_parallel

pytestmark = pytest.mark.postgres


def _two_clinics(app) -> tuple[int, int]:
    """A user in each of two clinics: their ids."""
    with app.app_context():
        ids = (make_user(clinic=make_clinic()).id, make_user(clinic=make_clinic()).id)
        db.session.commit()
    return ids


def test_clinic_b_appends_while_clinic_a_holds_its_chain_lock(pg_app):
    user_a, user_b = _two_clinics(pg_app)
    a_locked, release_a = threading.Event(), threading.Event()

    def hold_clinic_a_chain():
        with pg_app.app_context():
            actor = db.session.get(User, user_a)
            chain.record(actor, "client.registered", make_client(clinic=actor.clinic))
            a_locked.set()  # the advisory lock is held until this transaction ends
            release_a.wait(timeout=30)
            db.session.commit()

    holder = threading.Thread(target=hold_clinic_a_chain)
    holder.start()
    assert a_locked.wait(timeout=10)
    try:
        with pg_app.app_context():
            db.session.execute(db.text("SET lock_timeout = '3s'"))
            actor = db.session.get(User, user_b)
            chain.record(actor, "client.registered", make_client(clinic=actor.clinic))
            db.session.commit()  # no lock timeout: clinic B never queued behind clinic A
            assert holder.is_alive()  # and clinic A's transaction was still open meanwhile
    finally:
        release_a.set()
        holder.join(timeout=30)


def test_clinic_a_waits_for_its_own_chain_lock(pg_app):
    user_a, _ = _two_clinics(pg_app)
    a_locked, release_a = threading.Event(), threading.Event()

    def hold_clinic_a_chain():
        with pg_app.app_context():
            actor = db.session.get(User, user_a)
            chain.record(actor, "client.registered", make_client(clinic=actor.clinic))
            a_locked.set()
            release_a.wait(timeout=30)
            db.session.commit()

    holder = threading.Thread(target=hold_clinic_a_chain)
    holder.start()
    assert a_locked.wait(timeout=10)
    try:
        with pg_app.app_context():
            db.session.execute(db.text("SET lock_timeout = '500ms'"))
            clinic_a = db.session.get(User, user_a).clinic_id
            with pytest.raises(Exception, match="lock timeout"):
                chain.lock_clinic_chain(clinic_a)
    finally:
        release_a.set()
        holder.join(timeout=30)


def test_two_clinics_appending_concurrently_keep_two_unbroken_chains(pg_app):
    users = _two_clinics(pg_app)

    def append(i):
        actor = db.session.get(User, users[i])
        for _ in range(10):
            chain.record(actor, "client.registered", make_client(clinic=actor.clinic))
            db.session.commit()

    outcomes = _in_parallel(pg_app, append, n=2)

    assert not [o for o in outcomes if isinstance(o, Exception)]
    with pg_app.app_context():
        reports = list(verifying.verify_every_clinic())
    assert [(r.ok, r.entries) for r in reports] == [(True, 11), (True, 11)]  # user + 10 clients
