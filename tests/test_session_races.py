"""Real races on one session: threads released together by a barrier, each with its own app
context and database connection, against PostgreSQL and a SQLite file.

Every scenario is repeated over several sessions. What must hold afterwards: every sealed
session's digest matches a fresh recomputation, a scan that committed is in the sealed record
(or was refused), exactly one completion, one card and one `session.completed` entry per
session, and nothing lands on a voided session.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from smp_hygiene.app import create_app
from smp_hygiene.errors import SessionNotOpen
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, ProductKind, SessionStatus, TreatmentSession, VerifyCard
from smp_hygiene.services.sessions import lifecycle, sealing
from tests.apps import reused
from tests.factories import gs1_for, make_checklist, make_lot, make_ready_session

ROUNDS = 6  # sessions per scenario


def _sqlite_app(tmp_path):
    app = create_app(_config(f"sqlite:///{tmp_path / 'races.sqlite3'}"))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def _postgres_app(request, tmp_path):
    with reused(request.getfixturevalue("migrated_app"), tmp_path) as app:
        yield app


def _config(uri: str) -> dict:
    return {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": uri}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def race_app(request, tmp_path):
    if request.param == "sqlite":
        factory = _sqlite_app(tmp_path)
    else:
        factory = _postgres_app(request, tmp_path)
    yield next(factory)
    next(factory, None)


def _race(app, *works):
    """Run each `work()` in its own thread and app context, released together; each commits
    on success and rolls back on a refusal. Returns each outcome: a value or the exception."""
    barrier, outcomes = threading.Barrier(len(works)), [None] * len(works)

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                outcomes[i] = works[i]()
                db.session.commit()
            except Exception as error:  # noqa: BLE001  the outcome is what the test inspects
                db.session.rollback()
                outcomes[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _ready_sessions(app) -> list[tuple[int, str]]:
    """ROUNDS sessions that may be completed now, each with one more cartridge to race with."""
    with app.app_context():
        items, needle = make_checklist(), make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
        ready = []
        for _ in range(ROUNDS):
            session = make_ready_session()
            for item in items:
                lifecycle.answer_item(session, item, session.technician)
            lifecycle.record_scan(session, gs1_for(needle, f"A{session.id}"), session.technician)
            ready.append((session.id, gs1_for(needle, f"RACE{session.id}")))
        db.session.commit()
        return ready


def _session(session_id: int) -> TreatmentSession:
    session = db.session.get(TreatmentSession, session_id)
    assert session is not None
    return session


def _complete(session_id: int):
    return lambda: lifecycle.complete_session(s := _session(session_id), s.technician).id


def _scan(session_id: int, raw: str):
    return lambda: lifecycle.record_scan(s := _session(session_id), raw, s.technician).use.id


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _assert_sealed_once(session_id: int) -> TreatmentSession:
    session = _session(session_id)
    assert session.status is SessionStatus.COMPLETED
    assert sealing.digest(session) == session.sealed_digest, f"session #{session_id}"
    assert _count(VerifyCard, VerifyCard.session_id == session_id) == 1
    completed = (AuditEntry.action == "session.completed", AuditEntry.entity_id == str(session_id))
    assert _count(AuditEntry, *completed) == 1
    return session


def _refused(outcome) -> bool:
    return isinstance(outcome, SessionNotOpen)


def test_a_scan_racing_complete_is_sealed_in_the_record_or_refused(race_app):
    ready, seen = _ready_sessions(race_app), Counter()

    results = [(sid, _race(race_app, _complete(sid), _scan(sid, raw))) for sid, raw in ready]

    with race_app.app_context():
        for session_id, (completed, scanned) in results:
            assert completed == session_id, completed
            assert isinstance(scanned, int) or _refused(scanned), scanned
            session = _assert_sealed_once(session_id)
            if isinstance(scanned, int):
                assert scanned in {use.id for use in session.uses}
            seen["sealed with the scan" if isinstance(scanned, int) else "scan refused"] += 1
    print(f"scan vs complete, {race_app.config['SQLALCHEMY_DATABASE_URI'][:10]}: {dict(seen)}")


def test_two_completes_at_once_give_one_seal_one_card_and_one_audit_entry(race_app):
    ready = _ready_sessions(race_app)

    results = [_race(race_app, _complete(sid), _complete(sid)) for sid, _raw in ready]

    with race_app.app_context():
        for (session_id, _raw), outcomes in zip(ready, results, strict=True):
            assert sorted(map(_refused, outcomes)) == [False, True], outcomes
            loser = next(o for o in outcomes if _refused(o))
            assert "was already completed at" in str(loser)
            _assert_sealed_once(session_id)


def test_complete_racing_an_addendum_leaves_a_session_that_verifies(race_app):
    ready, seen = _ready_sessions(race_app), Counter()

    def addendum(session_id):
        session = _session(session_id)
        return lifecycle.add_addendum(session, session.technician, "Late note", "Aftercare").id

    results = [_race(race_app, _complete(s), lambda s=s: addendum(s)) for s, _raw in ready]

    with race_app.app_context():
        for (session_id, _raw), (completed, added) in zip(ready, results, strict=True):
            assert completed == session_id, completed
            assert isinstance(added, int) or _refused(added), added
            session = _assert_sealed_once(session_id)
            assert len(session.addenda) == (1 if isinstance(added, int) else 0)
            seen["addendum added" if isinstance(added, int) else "addendum refused"] += 1
    print(f"addendum vs complete: {dict(seen)}")


def test_a_scan_racing_a_void_never_lands_on_the_voided_session(race_app):
    ready = _ready_sessions(race_app)

    def void(session_id):
        session = _session(session_id)
        lifecycle.void_session(session, session.technician, "Client left")

    results = [_race(race_app, lambda s=s: void(s), _scan(s, raw)) for s, raw in ready]

    with race_app.app_context():
        for (session_id, _raw), (voided, scanned) in zip(ready, results, strict=True):
            assert voided is None, voided
            assert isinstance(scanned, int) or _refused(scanned), scanned
            assert _session(session_id).status is SessionStatus.VOIDED
            if isinstance(scanned, int):
                void_entry = _entry_id("session.voided", session_id)
                assert _entry_id("supply.used", scanned) < void_entry


def _entry_id(action: str, entity_id: int) -> int:
    return db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.action == action, AuditEntry.entity_id == str(entity_id)
        )
    )
