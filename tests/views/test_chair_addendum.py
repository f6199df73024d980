"""A technician corrects their own sealed session from the chair, by addendum."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import Addendum, ProductKind, Role
from tests import factories as f


@pytest.fixture
def world(app):
    with app.app_context():
        clinic = f.make_clinic()
        tech = f.make_user(email="maker@example.test", clinic=clinic)
        items = f.make_checklist(clinic)
        cartridge = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, received_by=tech)
        ready = f.make_ready_session(technician=tech, client=f.make_consenting_client(clinic))
        done = f.seal_at_the_chair(ready, items, cartridge)
        open_session = f.make_ready_session(technician=tech)
        db.session.commit()
        return {"done": done.id, "open": open_session.id}


def _sign_in_as_maker(client):
    client.post("/auth/login", data={"email": "maker@example.test", "password": f.PASSWORD})


def test_technician_can_add_an_addendum_to_their_own_sealed_session(app, client, world):
    _sign_in_as_maker(client)
    assert b"Add addendum" in client.get(f"/chair/sessions/{world['done']}").data

    page = client.post(
        f"/chair/sessions/{world['done']}/addenda",
        data={"reason": "Wrong area", "body": "Crown, not hairline.", "nonce": "n1"},
        follow_redirects=True,
    )

    assert b"Crown, not hairline." in page.data
    with app.app_context():
        assert db.session.scalar(select(Addendum)).author.email == "maker@example.test"


def test_a_double_submitted_addendum_is_recorded_once(app, client, world):
    _sign_in_as_maker(client)
    form = {"reason": "Wrong area", "body": "Crown.", "nonce": "same"}

    client.post(f"/chair/sessions/{world['done']}/addenda", data=form)
    client.post(f"/chair/sessions/{world['done']}/addenda", data=form)

    with app.app_context():
        assert len(db.session.scalars(select(Addendum)).all()) == 1


def test_technician_cannot_add_an_addendum_to_a_colleagues_session(app, client, login, world):
    login(Role.TECHNICIAN)

    response = client.post(
        f"/chair/sessions/{world['done']}/addenda",
        data={"reason": "x", "body": "y"},
        follow_redirects=True,
    )

    assert b"Only the technician who ran the session, or an auditor" in response.data
    with app.app_context():
        assert db.session.scalar(select(Addendum)) is None


def test_an_open_session_is_corrected_directly_not_by_addendum(client, world):
    _sign_in_as_maker(client)

    page = client.post(
        f"/chair/sessions/{world['open']}/addenda",
        data={"reason": "x", "body": "y", "nonce": "n2"},
        follow_redirects=True,
    )

    assert b"The session is still in progress: correct it directly." in page.data
