"""The "notify by email" buttons on the recall and spore test pages: who may press them, and
what the page then shows per client."""

from __future__ import annotations

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import Notification, NotificationKind, Role
from tests.factories import PASSWORD, make_clinic, make_user
from tests.notices import positive_spore_test, recall_case


@pytest.fixture
def world(app):
    with app.app_context():
        case = recall_case()
        test, auditor, *_ = positive_spore_test()  # in a second clinic
        db.session.commit()
        return {"recall": case.recall.id, "test": test.id, "south": auditor.email}


def _urls(world) -> list[str]:
    return [
        f"/audit/recalls/{world['recall']}/emails",
        f"/audit/sterilisation/spore-tests/{world['test']}/emails",
    ]


def test_technician_cannot_queue_notices(client, login, world):
    login(Role.TECHNICIAN)

    assert [client.post(url).status_code for url in _urls(world)] == [403, 403]


def test_auditor_of_another_clinic_cannot_queue_this_clinics_notices(app, client, world):
    with app.app_context():
        make_user(Role.AUDITOR, clinic=make_clinic(), email="out@example.test")
        db.session.commit()
    client.post("/auth/login", data={"email": "out@example.test", "password": PASSWORD})

    assert [client.post(url).status_code for url in _urls(world)] == [404, 404]


def test_auditor_can_notify_a_recalls_clients_and_follow_each_one(app, client, login, world):
    login(Role.AUDITOR)

    response = client.post(f"/audit/recalls/{world['recall']}/emails", follow_redirects=True)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 email notice(s) queued; 1 client(s) have no email address: call them." in page
    assert page.count("Email queued") == 2
    assert "No email: call them." in page
    with app.app_context():
        assert db.session.query(Notification).filter_by(kind=NotificationKind.RECALL).count() == 2


def test_auditor_can_notify_the_clients_of_a_suspect_load(app, client, world):
    client.post("/auth/login", data={"email": world["south"], "password": PASSWORD})

    response = client.post(
        f"/audit/sterilisation/spore-tests/{world['test']}/emails", follow_redirects=True
    )

    page = response.get_data(as_text=True)
    assert "1 email notice(s) queued." in page
    assert page.count("Email queued") == 1
    with app.app_context():
        [notice] = db.session.query(Notification).all()
        assert notice.kind is NotificationKind.STERILISATION_FAILURE
