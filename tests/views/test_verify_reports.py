"""The client's report and check-in on the card's public pages: no account, no cookie, nothing
revealed, a signed form key instead of CSRF cookies, photos cleaned, and the page's rate limit."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    ClientPhoto,
    Consent,
    FollowUp,
    ProblemReport,
    Role,
    TreatmentSession,
)
from smp_hygiene.services.aftercare import schedule
from smp_hygiene.services.verification import tokens
from smp_hygiene.timeutil import utcnow
from tests import factories as f


@pytest.fixture
def card(app):
    """A sealed session with a card and check-ins; plain values, and what must never show."""
    with app.app_context():
        started = utcnow() - timedelta(days=8)
        session = f.make_sealed_session(
            started_at=started, completed_at=started + timedelta(hours=2)
        )
        tokens.issue_verification_token(session)
        f.make_consent(session.client)
        schedule.schedule_follow_ups(session, session.technician)
        db.session.commit()
        client = session.client
        return {
            "id": session.id,
            "token": session.verify_token,
            "day": session.started_at.date().isoformat(),
            "pii": [client.full_name, client.phone, client.email, client.date_of_birth.isoformat()],
        }


def _key(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="form_key" value="([^"]+)"', page.text).group(1)


def _report(client, card, key=None, photos=(), **fields):
    url = f"/v/{card['token']}/report"
    data = {"description": "Itchy red bumps on the crown", "started_on": card["day"],
            "form_key": key if key is not None else _key(client, url)} | fields  # fmt: skip
    data["photos"] = [(io.BytesIO(content), name) for name, content in photos]
    return client.post(url, data=data, content_type="multipart/form-data", headers={})


def _reports(app):
    with app.app_context():
        return db.session.scalars(select(ProblemReport)).all()


def test_the_record_page_links_to_the_report_form(client, card):
    page = client.get(f"/v/{card['token']}")

    assert f'href="/v/{card["token"]}/report"' in page.text
    assert "Report a problem with this treatment" in page.text


def test_the_report_form_sets_no_cookie_and_shows_no_personal_data(client, login, card):
    login(Role.ADMIN)  # a signed-in admin's cookie is not refreshed here either

    page = client.get(f"/v/{card['token']}/report")

    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert not [value for value in card["pii"] if value and value in page.text]


def test_a_report_with_a_photo_reaches_the_inbox_without_exif_or_location(app, client, card):
    response = _report(client, card, photos=[("IMG_2231.JPG", f.gps_jpeg((800, 600)))])

    assert response.status_code == 200
    assert "the clinic has your report" in response.text
    assert "Set-Cookie" not in response.headers
    assert not [value for value in card["pii"] if value and value in response.text]
    [report] = _reports(app)
    with app.app_context():
        photo = db.session.scalars(select(ClientPhoto)).one()
        assert (photo.report_id, photo.width, photo.height) == (report.id, 800, 600)
        assert f.exif_of(photo.jpeg) == {}  # no EXIF at all, GPS (0x8825) included


def test_the_same_form_posted_twice_files_one_report(app, client, card):
    key = _key(client, f"/v/{card['token']}/report")

    _report(client, card, key)
    _report(client, card, key)

    assert len(_reports(app)) == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [("rash.jpg", b"%PDF-1.4 a document renamed"), ("rash.png", b"<svg onload=alert(1)>")],
)
def test_an_upload_that_is_not_an_image_is_refused_clearly_and_nothing_is_kept(
    app, client, card, name, content
):
    response = _report(client, card, photos=[(name, content)])

    assert response.status_code == 422
    assert f"“{name}” is not a photo we can read: send a JPEG or PNG picture." in response.text
    assert "Itchy red bumps on the crown" in response.text  # what they typed is kept
    assert _reports(app) == []


def test_photos_over_the_size_limit_are_refused_with_a_plain_413(app, client, card):
    app.config["MAX_CONTENT_LENGTH"] = 50_000

    response = _report(client, card, photos=[("big.png", b"x" * 60_000)])

    assert response.status_code == 413
    assert "at most 3 photos of 8 MB" in response.text
    assert _reports(app) == []


@pytest.mark.parametrize("key", ["", "forged.key.value"])
def test_a_post_without_a_valid_form_key_is_refused(app, client, card, key):
    response = _report(client, card, key)

    assert response.status_code == 422
    assert "open it again from your card" in response.text
    assert _reports(app) == []


def test_a_form_key_from_another_card_is_refused(app, client, card):
    with app.app_context():
        other = f.make_sealed_session()
        tokens.issue_verification_token(other)
        db.session.commit()
        other_url = f"/v/{other.verify_token}/report"

    response = _report(client, card, _key(client, other_url))

    assert response.status_code == 422
    assert _reports(app) == []


def test_a_cross_site_post_is_refused_even_with_a_key(app, client, card):
    url = f"/v/{card['token']}/report"
    data = {"description": "x", "started_on": card["day"], "form_key": _key(client, url)}

    response = client.post(url, data=data, headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 422
    assert _reports(app) == []


def test_an_unknown_card_gets_the_same_404_as_the_record_page(client, card):
    assert client.get("/v/not-a-card/report").status_code == 404
    assert client.post("/v/not-a-card/report", data={}).status_code == 404
    assert (
        client.get("/v/not-a-card/report").data == client.get("/v/not-a-card").data
    )  # the same bytes: nothing tells a guess from a near miss


def test_the_report_form_is_rate_limited_like_the_record_page(tmp_path):
    config = {"TESTING": True, "SECRET_KEY": "t", "APP_ENV": "test", "SERVER_NAME": "clinic.test",
              "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://",
              "VERIFY_RATE_LIMIT": "3 per minute"}  # fmt: skip
    app = create_app(config)
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.create_all()
    client = app.test_client()

    codes = [client.post("/v/some-card/report", data={}).status_code for _ in range(4)]

    assert codes == [404, 404, 404, 429]


def _day(app, card, day: int):
    with app.app_context():
        return db.session.scalar(select(FollowUp).filter_by(session_id=card["id"], day=day))


def test_a_client_answers_a_due_check_in_and_a_fever_raises_a_flag(app, client, card):
    url = f"/v/{card['token']}/check-in/7"
    data = {"form_key": _key(client, url), "has_fever": "y", "pain": "4", "other": "Hot"}

    response = client.post(url, data=data)

    assert response.status_code == 200
    assert "the clinic will call you" in response.text
    assert "Set-Cookie" not in response.headers
    assert _day(app, card, 7).flag_reasons == "Fever: possible infection."


def test_a_check_in_not_yet_due_says_when_it_opens(client, card):
    page = client.get(f"/v/{card['token']}/check-in/28")

    assert page.status_code == 200
    assert "This check-in opens on" in page.text
    assert "Send my answers" not in page.text


def test_a_day_without_a_check_in_is_404(client, card):
    assert client.get(f"/v/{card['token']}/check-in/5").status_code == 404


def test_stopping_check_ins_is_recorded_on_the_consent(app, client, card):
    key = _key(client, f"/v/{card['token']}/check-in/3")
    stop_key = re.findall(r'name="form_key" value="([^"]+)"', client.get(
        f"/v/{card['token']}/check-in/3").text)[-1]  # fmt: skip

    refused = client.post(f"/v/{card['token']}/check-ins/stop", data={"form_key": key})
    response = client.post(f"/v/{card['token']}/check-ins/stop", data={"form_key": stop_key})

    assert refused.status_code == 422  # the answers form's key does not stop anything
    assert response.status_code == 200
    with app.app_context():
        session = db.session.get(TreatmentSession, card["id"])
        consent = db.session.scalars(select(Consent).filter_by(client_id=session.client_id)).one()
        assert consent.follow_ups_declined_at is not None
    assert _day(app, card, 28).status.value == "cancelled"
