"""The session record page: who may see it, what it shows, addenda and voiding."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Addendum,
    CycleStatus,
    ProductKind,
    Role,
    SessionStatus,
    TreatmentSession,
)
from smp_hygiene.services.sterilisation import packs
from smp_hygiene.timeutil import utcnow
from tests import factories as f


@pytest.fixture
def world(app):
    """A sealed session (contact details, one cartridge, two ticks) and one at another clinic."""
    with app.app_context():
        clinic = f.make_clinic(name="Crown Clinic")
        tech = f.make_user(email="maker@example.test", clinic=clinic)
        items = f.make_checklist(clinic)
        cartridge = f.make_lot(
            kind=ProductKind.NEEDLE_CARTRIDGE, received_by=tech, lot_number="NDL-77"
        )
        client = f.make_consenting_client(
            clinic, full_name="Sam Stone", phone="+44 7700 900123", email="sam@example.test"
        )
        ready = f.make_ready_session(technician=tech, client=client)
        done = f.seal_at_the_chair(ready, items, cartridge)
        other = f.make_sealed_session(f.make_clinic(name="Elsewhere"))
        db.session.commit()
        return {"done": done.id, "client": client.id, "other": other.id}


URLS = [
    ("get", "/audit/sessions/{done}"),
    ("post", "/audit/sessions/{done}/addenda"),
    ("post", "/audit/sessions/{done}/void"),
]


@pytest.mark.parametrize(("method", "url"), URLS)
def test_technician_cannot_use_the_session_record_page(client, login, world, method, url):
    login(Role.TECHNICIAN)

    assert getattr(client, method)(url.format(**world)).status_code == 403


@pytest.mark.parametrize(("method", "url"), URLS)
def test_anonymous_visitors_are_sent_to_login_from_the_record_page(client, world, method, url):
    response = getattr(client, method)(url.format(**world))

    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_auditors_and_admins_can_read_the_full_record(client, login, world, role):
    login(role)

    page = client.get(f"/audit/sessions/{world['done']}").data.decode()

    for fact in ("Sam Stone", "+44 7700 900123", "sam@example.test", "maker", "NDL-77", "W1"):
        assert fact in page
    assert "Hands washed" in page
    assert "still matches the digest sealed at completion" in page
    assert "http://clinic.test/v/" in page


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_a_session_of_another_clinic_is_not_found(client, login, world, role):
    login(role)

    assert client.get(f"/audit/sessions/{world['other']}").status_code == 404


def test_only_admins_see_the_card_link_and_the_void_form(client, login, world):
    login(Role.AUDITOR)

    page = client.get(f"/audit/sessions/{world['done']}").data

    assert f"/admin/sessions/{world['done']}/card".encode() not in page
    assert b"Void session" not in page


def test_admin_sees_the_card_link(client, login, world):
    login(Role.ADMIN)

    page = client.get(f"/audit/sessions/{world['done']}").data

    assert f"/admin/sessions/{world['done']}/card".encode() in page


def test_a_record_changed_after_sealing_is_flagged(app, client, login, world):
    login(Role.AUDITOR)
    with app.app_context():
        db.session.execute(text("UPDATE supply_use SET serial = 'FORGED'"))
        db.session.commit()

    page = client.get(f"/audit/sessions/{world['done']}").data

    assert b"no longer matches its sealed digest" in page


def test_auditor_can_add_an_addendum(app, client, login, world):
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/sessions/{world['done']}/addenda",
        data={"reason": "Lot misread", "body": "Cartridge lot was NDL-78."},
        follow_redirects=True,
    )

    assert b"Cartridge lot was NDL-78." in response.data
    with app.app_context():
        assert db.session.scalar(select(Addendum)).reason == "Lot misread"


def test_an_addendum_without_a_reason_is_refused_in_plain_words(app, client, login, world):
    login(Role.ADMIN)

    response = client.post(
        f"/audit/sessions/{world['done']}/addenda",
        data={"reason": "", "body": "Something"},
        follow_redirects=True,
    )

    assert b"An addendum needs both a reason and the correction itself." in response.data
    with app.app_context():
        assert db.session.scalar(select(Addendum)) is None


def test_auditor_cannot_void_a_session(app, client, login, world):
    login(Role.AUDITOR)

    response = client.post(f"/audit/sessions/{world['done']}/void", data={"reason": "x"})

    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(TreatmentSession, world["done"]).status is SessionStatus.COMPLETED


def test_admin_can_void_a_session_with_a_reason(app, client, login, world):
    login(Role.ADMIN)

    page = client.post(
        f"/audit/sessions/{world['done']}/void",
        data={"reason": "Recorded on the wrong client"},
        follow_redirects=True,
    )

    assert b"Recorded on the wrong client" in page.data
    with app.app_context():
        session = db.session.get(TreatmentSession, world["done"])
        assert session.status is SessionStatus.VOIDED
        assert session.void_reason == "Recorded on the wrong client"


def test_traceability_tables_link_to_the_session_record(client, login, world):
    login(Role.AUDITOR)

    page = client.get(f"/audit/trace/clients/{world['client']}").data

    assert f'href="/audit/sessions/{world["done"]}"'.encode() in page


def test_the_record_shows_the_sterilised_packs_opened_for_the_session(app, client, login, world):
    with app.app_context():
        now = utcnow()
        cycle = f.make_cycle(
            f.make_steriliser(name="Autoclave A"),
            status=CycleStatus.RELEASED,
            started_at=now - timedelta(days=1),
        )
        f.make_spore_test(cycle, read_at=now - timedelta(hours=2))
        session = f.make_session(f.make_client(), technician=f.make_user())
        packs.use_pack(session, cycle.packs[0].code, session.technician, now)
        db.session.commit()
        session_id, code = session.id, cycle.packs[0].code
    login(Role.AUDITOR)

    page = client.get(f"/audit/sessions/{session_id}").data.decode()

    assert code in page
    assert "Autoclave A" in page
