"""Every write to a session takes its lock first; a second completion is refused plainly."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from smp_hygiene.app import create_app
from smp_hygiene.errors import SessionNotOpen
from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, Role
from smp_hygiene.services.sessions import completion, lifecycle, locks, overrides, scans
from smp_hygiene.services.sterilisation import packs
from smp_hygiene.services.verification import tokens
from tests.factories import gs1_for, make_checklist, make_lot, make_ready_session, make_user


@pytest.fixture
def locked(monkeypatch):
    """The session ids each write locked, in order."""
    calls: list[int] = []

    def spy(session):
        calls.append(session.id)

    for module in (completion, lifecycle, overrides, scans, packs, tokens):
        monkeypatch.setattr(module, "lock_session", spy)
    return calls


def _completable():
    session = make_ready_session()
    for item in make_checklist(session.clinic):
        lifecycle.answer_item(session, item, session.technician)
    lifecycle.record_scan(
        session, gs1_for(make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)), session.technician
    )
    return session


def test_every_write_to_a_session_locks_it_first(ctx, locked):
    session = _completable()
    technician, admin = session.technician, make_user(Role.ADMIN, clinic=session.clinic)
    lifecycle.attest_label_info(session, technician)
    overrides.acknowledge(session, technician, "patch_test", "Warned.", "Client insisted")
    lifecycle.complete_session(session, technician)
    lifecycle.add_addendum(session, technician, "Late note", "Aftercare given")
    tokens.rotate_verification_token(session, admin, "Card lost")
    lifecycle.void_session(session, admin, "Wrong client")

    assert len(locked) == 2 + 1 + 6  # two ticks and the scan, then the six writes above
    assert set(locked) == {session.id}


def test_a_second_completion_is_refused_with_the_time_of_the_first(ctx):
    session = _completable()
    lifecycle.complete_session(session, session.technician)
    at = session.completed_at

    with pytest.raises(SessionNotOpen, match=f"already completed at {at:%H:%M}; its record is"):
        lifecycle.complete_session(session, session.technician)


def test_locking_twice_in_one_transaction_keeps_what_it_changed(ctx):
    session = make_ready_session()
    locks.lock_session(session)
    session.notes = "changed inside the lock"

    locks.lock_session(session)

    assert session.notes == "changed inside the lock"


def test_a_file_database_runs_in_wal_mode_and_writes_begin_immediate(tmp_path):
    file_app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'wal.sqlite3'}"})
    begun: list[str] = []
    with file_app.app_context():
        db.create_all()
        event.listen(db.engine, "before_cursor_execute", lambda *a: begun.append(a[2]))
        mode = db.session.execute(text("PRAGMA journal_mode")).scalar()
        db.session.rollback()
        with file_app.test_request_context("/chair/", method="GET"):
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
        db.engine.dispose()

    assert mode == "wal"
    assert [s for s in begun if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN"]
