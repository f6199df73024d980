"""The clinic's clock: what people read and type is the clinic's time, whatever UTC says."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, PatchTest, Role, TreatmentSession, User
from smp_hygiene.services.verification import offline_check, signed_codes, signing, tokens
from smp_hygiene.timeutil import from_local, utcnow
from tests.factories import make_client, make_clinic, make_product, make_sealed_session

# 00:30 on 15 March in Brussels (UTC+1) is 23:30 UTC on 14 March.
STARTED = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)


@pytest.fixture
def brussels(app):
    """A sealed session that started at 00:30 Brussels time, with its card; returns ids."""
    with app.app_context():
        clinic = make_clinic(timezone="Europe/Brussels")
        session = make_sealed_session(
            clinic, started_at=STARTED, completed_at=STARTED + timedelta(minutes=20)
        )
        tokens.issue_verification_token(session)
        db.session.commit()
        return {"id": session.id, "token": session.verify_token, "client": session.client_id}


def _code(card) -> str:
    """The text of the card's QR code, as a phone scans it."""
    return tokens.qr_text(card, f"https://clinic.example/v/{card.token}")


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _pdf_text(response) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)


def test_the_patient_page_and_its_pdf_are_dated_the_clinics_day(client, brussels):
    page = _text(client.get(f"/v/{brussels['token']}"))
    pdf = _pdf_text(client.get(f"/v/{brussels['token']}/record.pdf"))

    for text in (page, pdf):
        assert "15 Mar 2026" in text
        assert "14 Mar 2026" not in text
        assert "UTC" not in text


def test_the_signed_card_carries_the_clinics_day(app, brussels):
    with app.app_context():
        session = db.session.get(TreatmentSession, brussels["id"])
        card = tokens.current_card(session)

        claims = signed_codes.parse(_code(card)).claims

    assert claims.day == date(2026, 3, 15)


def _sign_in_at_brussels(app, login, role) -> None:
    email = login(role)
    with app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        user.clinic_id = db.session.query(Clinic).filter_by(timezone="Europe/Brussels").one().id
        db.session.commit()


def test_the_auditors_pages_show_the_clinics_time(app, client, login, brussels):
    _sign_in_at_brussels(app, login, Role.AUDITOR)

    record = _text(client.get(f"/audit/sessions/{brussels['id']}"))
    history = _text(client.get(f"/audit/trace/clients/{brussels['client']}"))

    assert "2026-03-15 00:30" in record
    assert "2026-03-15" in history
    assert "2026-03-14" not in record + history


def test_the_chair_shows_the_clinics_time_and_the_card_its_day(app, client, login, brussels):
    _sign_in_at_brussels(app, login, Role.TECHNICIAN)

    screen = _text(client.get(f"/chair/sessions/{brussels['id']}"))
    card = _text(client.get(f"/chair/sessions/{brussels['id']}/aftercare"))

    assert "started 2026-03-15 00:30" in screen
    assert "15 March 2026" in card
    assert "14 March 2026" not in card


@pytest.mark.parametrize(
    ("zone", "started", "day"),
    [
        ("Europe/Brussels", datetime(2026, 3, 14, 23, 30, tzinfo=UTC), date(2026, 3, 15)),
        ("Europe/Brussels", datetime(2026, 7, 14, 22, 30, tzinfo=UTC), date(2026, 7, 15)),  # DST
        ("America/New_York", datetime(2026, 3, 15, 3, 30, tzinfo=UTC), date(2026, 3, 14)),
        ("Pacific/Kiritimati", datetime(2026, 3, 14, 10, 0, tzinfo=UTC), date(2026, 3, 15)),
        ("UTC", datetime(2026, 3, 14, 23, 30, tzinfo=UTC), date(2026, 3, 14)),
    ],
)
def test_a_record_is_dated_the_clinics_calendar_day(ctx, zone, started, day):
    clinic = make_clinic(timezone=zone)
    session = make_sealed_session(clinic, started_at=started, completed_at=started)

    card = tokens.issue_verification_token(session)

    assert tokens.record_day(session) == day
    assert signed_codes.parse(_code(card)).claims.day == day


def test_a_card_issued_just_now_east_of_utc_is_not_dated_in_the_future(ctx):
    clinic = make_clinic(timezone="Pacific/Kiritimati")  # UTC+14: its day is ahead of UTC's
    now = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
    session = make_sealed_session(clinic, started_at=now, completed_at=now)
    card = tokens.issue_verification_token(session)

    verdict = offline_check.check(_code(card), signing.keys_document(), None, now)

    assert verdict.claims is not None
    assert verdict.claims.day == date(2026, 3, 15)
    assert verdict.status is not offline_check.Status.INVALID, verdict.reasons


@pytest.mark.parametrize(
    ("zone", "typed", "stored"),
    [
        ("Europe/Brussels", "2026-03-15T00:30", datetime(2026, 3, 14, 23, 30, tzinfo=UTC)),
        ("Europe/Brussels", "2026-07-15T00:30", datetime(2026, 7, 14, 22, 30, tzinfo=UTC)),
        ("America/New_York", "2026-03-14T23:30", datetime(2026, 3, 15, 3, 30, tzinfo=UTC)),
        ("UTC", "2026-03-14T23:30", datetime(2026, 3, 14, 23, 30, tzinfo=UTC)),
    ],
)
def test_a_time_typed_in_a_form_is_read_on_the_clinics_clock(
    app, client, login, zone, typed, stored
):
    login(Role.TECHNICIAN)
    with app.app_context():
        db.session.get(Clinic, 1).timezone = zone
        db.session.commit()
        patient, pigment = make_client(), make_product()
        db.session.commit()
        ids = (patient.id, pigment.id)

    client.post(
        "/chair/patch-tests",
        data={"client_id": ids[0], "product_ids": [ids[1]], "applied_at": typed, "nonce": zone},
    )

    with app.app_context():
        assert db.session.query(PatchTest).one().applied_at == stored
        assert from_local(datetime.fromisoformat(typed), zone) == stored
        assert stored < utcnow()
