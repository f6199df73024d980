"""The shared tablet: an admin trusts it, technicians switch in by PIN, and each write is theirs."""

from __future__ import annotations

import types
import uuid

import pytest
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic, Role, SharedDevice, User
from smp_hygiene.services.people import devices, pins
from smp_hygiene.timeutil import utcnow
from tests.apps import app_on
from tests.factories import PASSWORD, give_pin, make_clinic, make_user

PIN = "482916"


@pytest.fixture
def tablet(app, client, login):
    """A browser the clinic's admin has trusted as a shared tablet, then signed out of."""
    login(Role.ADMIN)
    response = client.post("/admin/devices", data={"name": "Chair 2 tablet", "nonce": "t1"})
    assert response.status_code == 302
    client.post("/auth/logout")
    with app.app_context():
        device = db.session.scalars(select(SharedDevice)).one()
        return types.SimpleNamespace(id=device.id, clinic_id=device.clinic_id)


def _technician(app, clinic_id=None, pin=PIN) -> int:
    with app.app_context():
        clinic = db.session.get(Clinic, clinic_id) if clinic_id else None
        tech = make_user(Role.TECHNICIAN, clinic=clinic)
        if pin:
            give_pin(tech, pin)
        db.session.commit()
        return tech.id


def _switch(client, user_id, pin=PIN, next_url=None, address="10.0.0.1"):
    url = "/tablet/" + (f"?next={next_url}" if next_url else "")
    return client.post(
        url, data={"user": user_id, "pin": pin}, environ_base={"REMOTE_ADDR": address}
    )


def _actor_of_last(app, action):
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
        ).first()
        return entry.actor_id


def test_admin_trusting_a_device_sets_a_long_lived_httponly_cookie(client, login):
    login(Role.ADMIN)
    response = client.post("/admin/devices", data={"name": "Front desk", "nonce": "n"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("smp_device=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie


def test_production_tablet_cookie_is_host_only_and_secure(tmp_path, database_url):
    overrides = {"TESTING": True, "APP_ENV": "production", "SECRET_KEY": "x" * 32}
    with app_on(database_url, tmp_path, **overrides) as app:
        with app.app_context():
            email = make_user(Role.ADMIN).email
            db.session.commit()
        client = app.test_client()
        client.post(
            "/auth/login",
            data={"email": email, "password": PASSWORD},
            base_url="https://localhost",
        )
        response = client.post(
            "/admin/devices", data={"name": "Tablet", "nonce": "n"}, base_url="https://localhost"
        )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-smp_device=")
    assert "Secure" in cookie


def test_sign_in_page_on_a_tablet_offers_the_pin_switch_and_keeps_where_you_were(client, tablet):
    response = client.get("/auth/login?next=/chair/sessions/7")
    assert response.status_code == 302
    assert response.location.endswith("/tablet/?next=/chair/sessions/7")
    assert client.get("/auth/login?password=1").status_code == 200


def test_sign_in_page_on_a_plain_browser_is_the_password_form(client):
    assert client.get("/auth/login").status_code == 200
    assert client.get("/tablet/").status_code == 403


def test_technician_switches_in_by_pin_and_lands_where_the_tablet_was(app, client, tablet):
    tech_id = _technician(app, tablet.clinic_id)

    page = client.get("/tablet/")
    response = _switch(client, tech_id, next_url="/chair/")

    assert page.status_code == 200
    with app.app_context():
        assert db.session.get(User, tech_id).name.encode() in page.data
    assert response.status_code == 302
    assert response.location == "/chair/"
    today = client.get("/chair/")
    assert today.status_code == 200
    assert b"Switch user" in today.data


def test_what_is_recorded_after_a_switch_is_signed_by_whoever_switched_in(app, client, tablet):
    first, second = _technician(app, tablet.clinic_id), _technician(app, tablet.clinic_id)
    client_form = {"full_name": "Ada Lovelace", "date_of_birth": "1990-05-01"}

    _switch(client, first)
    client.post("/chair/clients", data={**client_form, "nonce": uuid.uuid4().hex})
    by_first = _actor_of_last(app, "client.registered")
    client.post("/tablet/out")
    _switch(client, second)
    client.post("/chair/clients", data={**client_form, "nonce": uuid.uuid4().hex})
    by_second = _actor_of_last(app, "client.registered")

    assert (by_first, by_second) == (first, second)


def test_wrong_pin_is_refused_with_401_and_the_fifth_wipes_it(app, client, tablet):
    tech_id = _technician(app, tablet.clinic_id)

    answers = [_switch(client, tech_id, pin="999999").status_code for _ in range(pins.PIN_TRIES)]
    right_pin_after = _switch(client, tech_id)

    assert answers == [401] * pins.PIN_TRIES
    assert right_pin_after.status_code == 401
    with app.app_context():
        assert db.session.get(User, tech_id).pin_hash is None


def test_another_clinics_technician_cannot_switch_in_on_this_tablet(app, client, tablet):
    elsewhere = _technician(app, clinic_id=None)
    with app.app_context():
        db.session.get(User, elsewhere).clinic_id = make_clinic().id
        db.session.commit()
    foreign = _switch(client, elsewhere)
    unknown = _switch(client, 987_654)

    assert foreign.status_code == unknown.status_code == 401
    assert client.get("/chair/").status_code == 302


def test_many_wrong_pins_from_one_address_are_limited(app, client, tablet):
    ids = [_technician(app, tablet.clinic_id) for _ in range(5)]
    codes = [_switch(client, ids[n % 5], pin="999999").status_code for n in range(21)]
    assert codes[:20] == [401] * 20
    assert codes[20] == 429


def test_revoking_the_tablet_ends_its_pin_sessions(app, client, tablet):
    tech_id = _technician(app, tablet.clinic_id)
    _switch(client, tech_id)
    with app.app_context():
        device = db.session.get(SharedDevice, tablet.id)
        devices.revoke_device(make_user(Role.ADMIN, clinic=device.clinic), device)
        db.session.commit()

    response = client.get("/chair/")

    assert response.status_code == 302
    assert "/auth/login" in response.location
    assert client.get("/tablet/").status_code == 403


def test_a_pin_session_does_not_follow_its_cookie_to_another_browser(app, client, tablet):
    tech_id = _technician(app, tablet.clinic_id)
    _switch(client, tech_id)
    host = client.application.config["SERVER_NAME"]
    assert client.get_cookie("smp_device", domain=host) is not None
    client.delete_cookie("smp_device", domain=host)
    assert client.get("/chair/").status_code == 302


def test_idle_tablet_comes_back_by_pin_to_the_same_page(app, client, tablet, monkeypatch):
    tech_id = _technician(app, tablet.clinic_id)
    _switch(client, tech_id)
    client.get("/chair/")
    later = utcnow().timestamp() + 16 * 60
    monkeypatch.setattr(
        "smp_hygiene.views.auth.utcnow", lambda: types.SimpleNamespace(timestamp=lambda: later)
    )

    idle = client.get("/chair/patch-tests")
    to_pin = client.get(idle.location)

    assert "/auth/login" in idle.location
    assert to_pin.status_code == 302
    assert to_pin.location.startswith("/tablet/?next=/chair/patch-tests")


def test_switching_out_leaves_the_technicians_other_sessions_open(app, tablet):
    tech_id = _technician(app, tablet.clinic_id)
    with app.app_context():
        email = db.session.get(User, tech_id).email
    phone = app.test_client()
    phone.post("/auth/login", data={"email": email, "password": PASSWORD})
    tablet_browser = app.test_client()
    with app.app_context():
        device = db.session.get(SharedDevice, tablet.id)
        _, token = devices.trust_device(make_user(Role.ADMIN, clinic=device.clinic), "Second")
        db.session.commit()
    tablet_browser.set_cookie("smp_device", token, domain=app.config["SERVER_NAME"])
    assert _switch(tablet_browser, tech_id).status_code == 302
    assert tablet_browser.get("/chair/").status_code == 200

    tablet_browser.post("/tablet/out")

    assert tablet_browser.get("/chair/").status_code == 302
    assert phone.get("/chair/").status_code == 200


def _pin_of(app, email):
    with app.app_context():
        return db.session.scalars(select(User.pin_hash).where(User.email == email)).one()


def test_technician_cannot_set_a_guessable_pin_and_is_told_why(app, client, login):
    email = login(Role.TECHNICIAN)
    form = {"password": PASSWORD, "pin": "123456", "confirm": "123456"}

    response = client.post("/tablet/pin", data=form, follow_redirects=True)

    assert b"too easy to guess" in response.data
    assert _pin_of(app, email) is None


def test_technician_sets_a_pin_with_their_password(app, client, login):
    email = login(Role.TECHNICIAN)
    wrong = {"password": "not it at all", "pin": PIN, "confirm": PIN}
    client.post("/tablet/pin", data=wrong)
    assert _pin_of(app, email) is None

    client.post("/tablet/pin", data={"password": PASSWORD, "pin": PIN, "confirm": PIN})
    assert _pin_of(app, email) is not None


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_auditor_and_admin_cannot_set_a_pin(client, login, role):
    login(role)
    form = {"password": PASSWORD, "pin": PIN, "confirm": PIN}
    assert client.get("/tablet/pin").status_code == 403
    assert client.post("/tablet/pin", data=form).status_code == 403


def test_admin_cannot_revoke_another_clinics_tablet_by_its_id(app, client, login, tablet):
    with app.app_context():
        make_clinic()
        db.session.commit()
    login(Role.ADMIN)  # an admin of the first clinic, which is the tablet's
    with app.app_context():
        other = make_clinic()
        admin = make_user(Role.ADMIN, clinic=other)
        db.session.commit()
        email = admin.email
    stranger = client.application.test_client()
    stranger.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert stranger.post(f"/admin/devices/{tablet.id}/revoke").status_code == 404
    assert stranger.post("/admin/devices/99999/revoke").status_code == 404
