"""`audit-verify --jobs N` shares the walk out between processes: on a database other processes
can open (a SQLite file, PostgreSQL), the same findings as one process, tampering included."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select, text

from smp_hygiene import sqlite
from smp_hygiene.extensions import db
from smp_hygiene.models import ChainCheckpoint
from smp_hygiene.services.audit import runners, seal_pass, verifying
from tests.apps import app_on
from tests.factories import make_clinic
from tests.services.test_seal_pass import _sealed


@pytest.fixture
def disk_app(tmp_path, database_url):
    """The test database where it is a server; a SQLite file instead of SQLite in memory."""
    in_memory = database_url == "sqlite://"
    url = f"sqlite:///{tmp_path / 'audit.sqlite3'}" if in_memory else database_url
    with app_on(url, tmp_path, TESTING=True, APP_ENV="test") as built:
        yield built


@pytest.fixture
def sealed_clinics(disk_app, monkeypatch):
    """Three clinics with sealed sessions, walked in many small ranges."""
    monkeypatch.setattr(verifying, "RANGE", 7)
    monkeypatch.setattr(seal_pass, "RANGE", 3)
    monkeypatch.setattr(seal_pass, "BATCH", 2)
    with disk_app.app_context():
        clinics = [make_clinic() for _ in range(3)]
        sessions = [_sealed(clinic).id for _ in range(4) for clinic in clinics]
        db.session.commit()
    return sessions


def test_checks_run_in_worker_processes(disk_app):
    with disk_app.app_context(), runners.runner(2) as run:
        pids = run(os.getpid, [()] * 4)

    assert os.getpid() not in pids


def _checkpoints(app) -> list[tuple]:
    with app.app_context():
        marks = db.session.scalars(select(ChainCheckpoint).order_by(ChainCheckpoint.clinic_id))
        return [(m.clinic_id, m.entry_id, m.entries, m.head_hash) for m in marks]


def test_two_processes_report_and_remember_what_one_does(disk_app, sealed_clinics):
    cli = disk_app.test_cli_runner()

    alone = cli.invoke(args=["audit-verify", "--full", "--jobs", "1"])
    remembered_alone = _checkpoints(disk_app)
    shared = cli.invoke(args=["audit-verify", "--full", "--jobs", "2"])
    remembered_shared = _checkpoints(disk_app)
    again = cli.invoke(args=["audit-verify", "--jobs", "2"])

    assert alone.exit_code == shared.exit_code == 0, alone.output + shared.output
    assert shared.output == alone.output
    assert "OK: 12 sealed sessions match." in shared.output
    assert remembered_shared == remembered_alone
    assert again.exit_code == 0, again.output
    assert again.output.count("(0 walked since the last checkpoint)") == 3


def test_two_processes_find_a_changed_record_and_a_changed_entry(disk_app, sealed_clinics):
    changed_session = sealed_clinics[7]
    with disk_app.app_context():
        db.session.execute(
            text("UPDATE supply_use SET quantity = 3 WHERE session_id = :id"),
            {"id": changed_session},
        )
        db.session.execute(text("UPDATE audit_entry SET actor_label = 'x' WHERE id = 20"))
        db.session.commit()

    result = disk_app.test_cli_runner().invoke(args=["audit-verify", "--full", "--jobs", "2"])

    assert result.exit_code == 1
    assert "entry 20 was changed after it was written" in result.stderr
    assert f"session #{changed_session} no longer matches its sealed digest" in result.stderr


def test_a_read_only_walk_does_not_take_the_write_lock(disk_app):
    if not disk_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("only SQLite has one write lock")
    with disk_app.app_context():
        with sqlite.read_only():
            db.session.execute(text("SELECT 1"))
            reading = sqlite.sqlite_write_lock_held()
            db.session.rollback()
        db.session.execute(text("SELECT 1"))
        writing = sqlite.sqlite_write_lock_held()

    assert (reading, writing) == (False, True)
