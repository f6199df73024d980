"""The admin's retention page: who is due, who is held and why, and erasure after a confirmation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Client, Role
from smp_hygiene.timeutil import utcnow
from tests import factories as f

LONG_AGO = utcnow() - timedelta(days=365 * 6)


@pytest.fixture
def clients(app):
    """In the first clinic: one client due, one held by an open recall, one recent; and a due
    client of another clinic."""
    with app.app_context():
        clinic = f.make_clinic(name="Crown Clinic")
        due = f.make_session(f.make_client(clinic, full_name="Dana Due"), started_at=LONG_AGO)
        held = f.make_session(f.make_client(clinic, full_name="Hal Held"), started_at=LONG_AGO)
        lot = f.make_lot()
        f.make_use(held, lot)
        recall = f.make_recall([lot], source_reference="A12/0097/17")
        f.make_session(f.make_client(clinic, full_name="Rita Recent"))
        theirs = f.make_session(
            f.make_client(f.make_clinic(), full_name="Olga Other"), started_at=LONG_AGO
        )
        db.session.commit()
        return {
            "due": due.client_id,
            "held": held.client_id,
            "recall": recall.id,
            "other": theirs.client_id,
        }


def _urls(ids) -> list[tuple[str, str]]:
    one, every = f"/admin/retention/clients/{ids['due']}/erase", "/admin/retention/erase-due"
    return [("GET", "/admin/retention"), ("GET", one), ("POST", one), ("GET", every),
            ("POST", every)]  # fmt: skip


def _erased(app, client_id) -> bool:
    with app.app_context():
        return db.session.get(Client, client_id).anonymised_at is not None


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_only_admins_reach_the_retention_pages(app, client, login, clients, role):
    login(role)

    answers = {
        url: client.open(url, method=method, data={"confirm": "y"}).status_code
        for method, url in _urls(clients)
    }

    assert set(answers.values()) == {403}
    assert not _erased(app, clients["due"])


def test_admin_sees_who_is_due_and_who_is_held_and_why(client, login, clients):
    login(Role.ADMIN)

    page = client.get("/admin/retention").text

    due, held = page.split("<h2>Held</h2>")
    assert "Dana Due" in due
    assert "Hal Held" in held
    assert f"Recall #{clients['recall']} (EU Safety Gate alert A12/0097/17) is open" in held
    assert "Rita Recent" not in page
    assert "Olga Other" not in page


def test_admin_erases_a_due_client_only_after_confirming(app, client, login, clients):
    login(Role.ADMIN)
    url = f"/admin/retention/clients/{clients['due']}/erase"

    confirm_page = client.get(url).text
    unconfirmed = client.post(url, data={}, headers={"Referer": url})
    still_there = not _erased(app, clients["due"])
    confirmed = client.post(url, data={"confirm": "y"})

    assert 'name="confirm"' in confirm_page
    assert unconfirmed.headers["Location"] == url
    assert "Tick the box to confirm the erasure." in client.get(url).text
    assert still_there
    assert confirmed.headers["Location"] == "/admin/retention"
    assert _erased(app, clients["due"])
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).filter_by(action="client.anonymised")).one()
        assert "Dana" not in entry.after


def test_a_held_client_is_refused_with_the_reason(app, client, login, clients):
    login(Role.ADMIN)
    url = f"/admin/retention/clients/{clients['held']}/erase"

    confirm_page = client.get(url).text
    refused = client.post(url, data={"confirm": "y"}, follow_redirects=True)

    assert "cannot be erased yet" in confirm_page
    assert 'name="confirm"' not in confirm_page
    assert f"cannot be erased yet: recall #{clients['recall']}" in refused.text
    assert not _erased(app, clients["held"])


def test_a_recent_client_has_no_erase_form(client, login, clients, app):
    with app.app_context():
        recent = db.session.scalars(select(Client).filter_by(full_name="Rita Recent")).one().id
    login(Role.ADMIN)

    page = client.get(f"/admin/retention/clients/{recent}/erase").text

    assert "Not due for erasure" in page
    assert 'name="confirm"' not in page


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_clinics_client_is_not_found(app, client, login, clients, method):
    login(Role.ADMIN)

    response = client.open(
        f"/admin/retention/clients/{clients['other']}/erase", method=method, data={"confirm": "y"}
    )

    assert response.status_code == 404
    assert not _erased(app, clients["other"])


def test_erasing_everyone_due_needs_the_count_seen(app, client, login, clients):
    login(Role.ADMIN)

    page = client.get("/admin/retention/erase-due").text
    wrong = client.post("/admin/retention/erase-due", data={"expected": "2"}, follow_redirects=True)
    right = client.post("/admin/retention/erase-due", data={"expected": "1"})

    assert "Dana Due" in page
    assert "Hal Held" not in page
    assert "1 client(s) are due now, not 2" in wrong.text
    assert right.headers["Location"] == "/admin/retention"
    assert _erased(app, clients["due"])
    assert not _erased(app, clients["held"])
    assert not _erased(app, clients["other"])
