"""The audit log page: filters, pagination, CSV export and the chain check."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select, text

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, ChainCheckpoint, Client, Role, User
from smp_hygiene.services.audit import chain
from tests.factories import make_client, make_clinic, make_user

URLS = ["/audit/log", "/audit/log.csv"]


@pytest.fixture
def entries(app):
    """Three client entries by one auditor, one by another clinic's auditor."""
    with app.app_context():
        actor = make_user(Role.AUDITOR, email="ines@example.test")
        for name in ("Ann One", "Bo Two", "Cy Three"):
            chain.record(actor, "client.created", make_client(full_name=name))
        elsewhere = make_clinic(name="Elsewhere")
        stranger = make_user(Role.AUDITOR, email="x@elsewhere.test", clinic=elsewhere)
        chain.record(stranger, "client.created", make_client(elsewhere, full_name="Zed"))
        db.session.commit()
        return list(
            db.session.scalars(
                select(AuditEntry.id)
                .where(AuditEntry.action == "client.created")
                .order_by(AuditEntry.id)
            )
        )


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.mark.parametrize("url", URLS)
def test_technician_cannot_open_the_audit_log(client, login, url):
    login(Role.TECHNICIAN)

    assert client.get(url).status_code == 403


def test_technician_cannot_run_the_chain_check(client, login):
    login(Role.TECHNICIAN)

    assert client.post("/audit/log/verify").status_code == 403


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
@pytest.mark.parametrize("url", URLS)
def test_auditor_and_admin_can_open_the_audit_log(client, login, role, url):
    login(role)

    assert client.get(url).status_code == 200


def test_auditor_can_filter_the_log_by_actor(app, client, login, entries):
    login(Role.AUDITOR)
    with app.app_context():
        actor_id = db.session.scalar(select(User.id).where(User.email == "ines@example.test"))

    rows = _rows(client.get(f"/audit/log.csv?actor={actor_id}"))

    assert [row[2] for row in rows[1:]] == ["ines@example.test"] * 3


def test_auditor_does_not_see_another_clinics_entries(client, login, entries):
    login(Role.AUDITOR)

    page = client.get("/audit/log").data.decode()

    assert "ines@example.test" in page
    assert "x@elsewhere.test" not in page


def test_auditor_can_filter_the_log_by_entity(app, client, login, entries):
    login(Role.AUDITOR)
    with app.app_context():
        bo = db.session.scalars(select(Client).where(Client.full_name == "Bo Two")).one()
        bo_id = bo.id

    rows = _rows(client.get(f"/audit/log.csv?entity_type=Client&entity_id={bo_id}"))

    assert [(row[4], row[5]) for row in rows[1:]] == [("Client", str(bo_id))]
    assert '"full_name":"Bo Two"' in rows[1][7]


def test_auditor_sees_nothing_before_the_first_entry_day(client, login, entries):
    login(Role.AUDITOR)

    rows = _rows(client.get("/audit/log.csv?from=2001-01-01&to=2001-12-31"))

    assert rows == [["id", "at", "actor", "action", "entity_type", "entity_id", "before",
                     "after", "prev_hash", "entry_hash"]]  # fmt: skip


def test_auditor_can_page_through_the_log(app, client, login):
    with app.app_context():
        actor = make_user(Role.AUDITOR)
        for _ in range(55):
            chain.record(actor, "client.created", make_client())
        db.session.commit()
    login(Role.AUDITOR)

    first = client.get("/audit/log").data.decode()
    second = client.get("/audit/log?page=2").data.decode()

    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second


def test_auditor_is_told_the_chain_is_intact(client, login, entries):
    login(Role.AUDITOR)

    response = client.post("/audit/log/verify", follow_redirects=True)

    assert "Audit chain intact" in response.data.decode()


def test_auditor_is_told_which_entry_was_changed_with_raw_sql(app, client, login, entries):
    with app.app_context():
        db.session.execute(
            text("UPDATE audit_entry SET action = 'client.viewed' WHERE id = :id"),
            {"id": entries[1]},
        )
        db.session.commit()
    login(Role.AUDITOR)

    response = client.post("/audit/log/verify", follow_redirects=True)

    assert (
        f"Audit chain broken at entry {entries[1]}: entry {entries[1]} was changed "
        "after it was written" in response.data.decode()
    )


def test_auditor_checks_only_their_own_clinics_chain(app, client, login, entries):
    with app.app_context():
        db.session.execute(
            text("UPDATE audit_entry SET action = 'client.viewed' WHERE id = :id"),
            {"id": entries[-1]},  # the other clinic's entry
        )
        db.session.commit()
    login(Role.AUDITOR)

    response = client.post("/audit/log/verify", follow_redirects=True)

    assert "Audit chain intact" in response.data.decode()


def test_checking_the_chain_stores_where_it_was_found_intact(app, client, login, entries):
    login(Role.AUDITOR)

    client.post("/audit/log/verify")

    with app.app_context():
        mark = db.session.scalars(select(ChainCheckpoint)).one()
        assert (
            mark.entry_id
            == db.session.scalars(
                select(AuditEntry.id).where(AuditEntry.clinic_id == mark.clinic_id)
            ).all()[-1]
        )


def test_chain_check_needs_a_csrf_token(app, client, login):
    app.config["WTF_CSRF_ENABLED"] = True
    login_without_csrf(app, client)

    assert client.post("/audit/log/verify").status_code == 400


def login_without_csrf(app, client):
    """Sign in by session cookie, since the login form itself needs the token too."""
    with app.app_context():
        user = make_user(Role.AUDITOR)
        db.session.commit()
        user_id = user.get_id()  # the id and its session version, as a real sign-in keeps
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
