"""A chair script whose login has gone gets a 401 it can explain; pages still go to the login."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import Role, TreatmentSession, User
from smp_hygiene.services.people import users
from smp_hygiene.timeutil import utcnow
from tests import factories as f

JSON = {"Accept": "application/json"}


@pytest.fixture
def open_session(app, client, login):
    """A signed-in technician's session in progress; returns its screen's path."""
    email = login(Role.TECHNICIAN)
    with app.app_context():
        tech = db.session.query(User).filter_by(email=email).one()
        session = f.make_ready_session(technician=tech, client=f.make_consenting_client())
        db.session.commit()
        return f"/chair/sessions/{session.id}"


def _scan(client, screen: str, headers=JSON):
    referer = {"Referer": f"http://clinic.test{screen}"}
    return client.post(f"{screen}/scans", data={"barcode": "(01)1"}, headers=headers | referer)


def _idle(client):
    with client.session_transaction() as cookie:
        cookie["last_seen"] = (utcnow() - timedelta(minutes=16)).timestamp()


def _next_of(login_url: str) -> str:
    parts = urlsplit(login_url)
    assert parts.path == "/auth/login"
    return parse_qs(parts.query)["next"][0]


def test_an_idle_technicians_scan_is_answered_signed_out_in_json(client, open_session):
    _idle(client)

    response = _scan(client, open_session)

    assert response.status_code == 401
    assert response.json["error"] == "signed_out"
    assert response.json["message"] == "You were signed out after a period of inactivity."
    assert _next_of(response.json["login_url"]) == open_session


def test_after_the_signed_out_answer_the_login_page_says_why(client, open_session):
    _idle(client)
    _scan(client, open_session)

    page = client.get("/auth/login").get_data(as_text=True)

    assert "You were signed out after a period of inactivity." in page


def test_an_idle_technicians_plain_post_still_goes_to_the_login_page(client, open_session):
    _idle(client)

    response = _scan(client, open_session, headers={})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_a_login_ended_elsewhere_is_answered_signed_out_in_json(app, client, open_session):
    with app.app_context():
        session_id = int(open_session.rsplit("/", 1)[1])
        users.sign_out(db.session.get(TreatmentSession, session_id).technician)
        db.session.commit()

    response = _scan(client, open_session)

    assert response.status_code == 401
    assert response.json["error"] == "signed_out"
    assert response.json["message"] == "You were signed out."


def test_a_scan_whose_cookie_expired_in_the_browser_is_answered_signed_out(app, client):
    # The browser drops the cookie at its expiry, the CSRF token with it: CSRF fails first.
    app.config["WTF_CSRF_ENABLED"] = True

    response = _scan(client, "/chair/sessions/1")

    assert response.status_code == 401
    assert response.json["error"] == "signed_out"
    assert _next_of(response.json["login_url"]) == "/chair/sessions/1"


def test_a_missing_csrf_token_on_a_plain_form_is_still_a_400_page(app, client):
    app.config["WTF_CSRF_ENABLED"] = True

    response = _scan(client, "/chair/sessions/1", headers={})

    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_a_signed_in_users_bad_csrf_token_is_not_called_signed_out(app, client, open_session):
    app.config["WTF_CSRF_ENABLED"] = True

    response = _scan(client, open_session, headers=JSON | {"X-CSRFToken": "forged"})

    assert response.status_code == 400
    assert "signed_out" not in response.get_data(as_text=True)


def test_an_anonymous_page_request_still_goes_to_the_login_with_next(client):
    response = client.get("/chair/patch-tests")

    assert response.status_code == 302
    assert _next_of(response.headers["Location"]) == "/chair/patch-tests"
