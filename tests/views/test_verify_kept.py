"""The public record page is kept once made, and still shows at once what changed beside it."""

from __future__ import annotations

import re
from datetime import date

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Addendum,
    PublicRecordRender,
    Role,
    SessionStatus,
    TreatmentSession,
)
from smp_hygiene.services.people import retention
from smp_hygiene.services.verification import tokens
from smp_hygiene.timeutil import utcnow
from tests.factories import make_recall, make_sealed_session, make_user


@pytest.fixture
def record(app):
    with app.app_context():
        session = make_sealed_session()
        tokens.issue_verification_token(session)
        db.session.commit()
        return {
            "id": session.id,
            "token": session.verify_token,
            "initials": session.client.initials,
        }


def _change(app, session_id, change):
    with app.app_context():
        change(db.session.get(TreatmentSession, session_id))
        db.session.commit()


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _kept(app, session_id) -> PublicRecordRender | None:
    with app.app_context():
        return db.session.get(PublicRecordRender, session_id)


@pytest.mark.parametrize("suffix", ["", "/qr.png", "/qr.svg", "/record.pdf"])
def test_the_first_view_keeps_what_it_made_and_the_second_serves_it(app, client, record, suffix):
    first = client.get(f"/v/{record['token']}{suffix}")

    again = client.get(f"/v/{record['token']}{suffix}")

    assert _kept(app, record["id"]) is not None
    assert again.status_code == 200
    assert again.data == first.data
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers.get("Content-Disposition") == first.headers.get("Content-Disposition")


def test_a_recall_opened_after_the_page_was_kept_shows_at_once(app, client, record):
    client.get(f"/v/{record['token']}")
    kept_pdf = client.get(f"/v/{record['token']}/record.pdf").data

    _change(app, record["id"], lambda s: make_recall([s.uses[0].lot], reason="Mould found"))

    assert "Mould found" in _text(client.get(f"/v/{record['token']}"))
    assert client.get(f"/v/{record['token']}/record.pdf").data != kept_pdf


def test_an_addendum_after_the_page_was_kept_shows_at_once(app, client, record):
    client.get(f"/v/{record['token']}")

    def amend(session):
        db.session.add(
            Addendum(session_id=session.id, author=session.technician, reason="Area", body="Brow.")
        )

    _change(app, record["id"], amend)

    page = _text(client.get(f"/v/{record['token']}"))
    assert "with 1 later addendum" in page
    assert "Brow." in page


def test_a_void_after_the_page_was_kept_shows_at_once(app, client, record):
    client.get(f"/v/{record['token']}")

    def void(session):
        session.status, session.voided_at = SessionStatus.VOIDED, utcnow()
        session.void_reason = "Wrong client"

    _change(app, record["id"], void)

    page = _text(client.get(f"/v/{record['token']}"))
    assert "Voided record" in page
    assert "Wrong client" in page


def test_a_replaced_card_gets_a_new_qr_and_the_old_one_no_data(app, client, record):
    old_qr = client.get(f"/v/{record['token']}/qr.png").data

    def replace(session):
        tokens.rotate_verification_token(session, make_user(Role.ADMIN, clinic=session.clinic))

    _change(app, record["id"], replace)
    with app.app_context():
        new_token = db.session.get(TreatmentSession, record["id"]).verify_token

    assert client.get(f"/v/{record['token']}").status_code == 410
    assert client.get(f"/v/{record['token']}/qr.png").status_code == 410
    assert client.get(f"/v/{new_token}/qr.png").data != old_qr


def test_erasing_the_client_drops_the_kept_page_with_their_initials(app, client, record):
    assert record["initials"] in _text(client.get(f"/v/{record['token']}"))

    def erase(session):
        session.started_at = session.completed_at = utcnow().replace(year=2001)
        retention.anonymise_client(
            session.client, make_user(Role.ADMIN, clinic=session.clinic), today=date(2040, 1, 1)
        )

    _change(app, record["id"], erase)

    page = _text(client.get(f"/v/{record['token']}"))
    assert record["initials"] not in page
    assert "(anonymised)" in page
