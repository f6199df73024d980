"""Signing in: a paused email after repeated failures, a per-address limit, server-side logout."""

from __future__ import annotations

import socket
import time
import types
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, LoginThrottle, Role, User
from smp_hygiene.services.audit.verifying import verify_clinic_chain
from smp_hygiene.services.people import throttling, users
from smp_hygiene.timeutil import utcnow
from tests.factories import PASSWORD, make_user

PAUSED_ONE = "Too many attempts: try again in 1 minute."


class Clock:
    """Moves the sign-in pause's clock and the rate limiter's together, without sleeping."""

    def __init__(self, monkeypatch):
        self.offset = timedelta(0)
        start, wall = utcnow(), time.time()
        monkeypatch.setattr(throttling, "utcnow", lambda: start + self.offset)
        fake = types.SimpleNamespace(time=lambda: wall + self.offset.total_seconds())
        monkeypatch.setattr("limits.storage.memory.time", fake)

    def advance(self, **delta) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def tech(app):
    with app.app_context():
        email = make_user(Role.TECHNICIAN).email
        db.session.commit()
    return email


def _sign_in(client, email, password, address="10.0.0.1"):
    return client.post(
        "/auth/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_sixty_wrong_passwords_then_the_right_one_is_refused_until_the_pause_ends(
    client, tech, clock
):
    codes = {_sign_in(client, tech, f"guess number {n}").status_code for n in range(60)}

    refused = _sign_in(client, tech, PASSWORD)
    clock.advance(minutes=16)
    accepted = _sign_in(client, tech, PASSWORD)

    assert codes == {401, 429}
    assert refused.status_code == 429
    assert PAUSED_ONE.encode() in refused.data
    assert accepted.status_code == 302


def test_guesses_spread_over_many_addresses_still_pause_the_account(client, tech, clock):
    for n in range(5):
        _sign_in(client, tech, "a wrong password", address=f"10.1.0.{n}")

    refused = _sign_in(client, tech, PASSWORD, address="10.1.0.99")
    clock.advance(seconds=61)
    accepted = _sign_in(client, tech, PASSWORD, address="10.1.0.99")

    assert refused.status_code == 429
    assert PAUSED_ONE.encode() in refused.data
    assert accepted.status_code == 302


def test_one_noisy_address_does_not_shut_the_account_for_the_clinics_address(client, app, tech):
    for n in range(25):  # credential stuffing: many emails, so no one account pauses
        _sign_in(client, f"nobody{n}@example.test", "a wrong password", address="203.0.113.9")

    noisy = _sign_in(client, tech, PASSWORD, address="203.0.113.9")
    clinic = _sign_in(client, tech, PASSWORD, address="10.0.0.1")

    assert noisy.status_code == 429
    assert b"Too many attempts: try again in 15 minutes." in noisy.data
    assert clinic.status_code == 302


def test_a_pause_names_no_account_an_unknown_email_pauses_the_same(client, tech):
    for email in (tech, "nobody@example.test"):
        for n in range(5):
            _sign_in(client, email, "a wrong password", address=f"10.2.0.{n}")

    known = _sign_in(client, tech, "a wrong password", address="10.2.0.9")
    unknown = _sign_in(client, "nobody@example.test", "a wrong password", address="10.2.0.9")

    assert known.status_code == unknown.status_code == 429
    assert PAUSED_ONE.encode() in known.data
    assert PAUSED_ONE.encode() in unknown.data


def test_a_pause_is_written_to_the_clinics_audit_chain(client, app, tech):
    for n in range(5):
        _sign_in(client, tech, "a wrong password", address=f"10.3.0.{n}")

    with app.app_context():
        user = users.find_user_by_email(tech)
        entries = db.session.scalars(select(AuditEntry).filter_by(action="user.sign_in_paused"))
        entry = entries.one()
        assert entry.clinic_id == user.clinic_id
        assert entry.entity_id == str(user.id)
        assert verify_clinic_chain(user.clinic).ok


def test_a_success_starts_the_count_again(client, tech, clock):
    for n in range(4):
        _sign_in(client, tech, "a wrong password", address=f"10.4.0.{n}")
    _sign_in(client, tech, PASSWORD)
    client.post("/auth/logout")

    for n in range(4):
        _sign_in(client, tech, "a wrong password", address=f"10.4.1.{n}")

    assert _sign_in(client, tech, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(0, 0), (4, 0), (5, 1), (6, 2), (7, 4), (8, 8), (9, 15), (10, 15), (60, 15), (10_000, 15)],
)
def test_the_pause_doubles_and_never_exceeds_fifteen_minutes(failures, minutes):
    assert throttling.pause_for(failures) == timedelta(minutes=minutes)


def test_attempts_during_a_pause_do_not_lengthen_it(client, tech, clock):
    for n in range(5):
        _sign_in(client, tech, "a wrong password", address=f"10.5.0.{n}")
    for n in range(50):
        _sign_in(client, tech, "a wrong password", address=f"10.5.1.{n}")

    clock.advance(seconds=61)

    assert _sign_in(client, tech, PASSWORD, address="10.5.2.1").status_code == 302


# Sessions end on the server: the cookie names the login and its session version.


def _cookie(client):
    return client.get_cookie("session", domain="clinic.test").value


def _replay(app, cookie):
    thief = app.test_client()
    thief.set_cookie("session", cookie, domain="clinic.test")
    return thief.get("/chair/")


def test_a_cookie_captured_before_logout_no_longer_opens_the_chair(app, client, login):
    login(Role.TECHNICIAN)
    captured = _cookie(client)
    assert _replay(app, captured).status_code == 200

    client.post("/auth/logout")

    assert _replay(app, captured).status_code == 302


def test_changing_the_password_ends_other_sessions_but_not_this_one(app, client, login):
    login(Role.TECHNICIAN)
    captured = _cookie(client)

    changed = client.post(
        "/auth/password",
        data={"current": PASSWORD, "new": "plum kettle orbit", "confirm": "plum kettle orbit"},
    )

    assert changed.status_code == 302
    assert client.get("/chair/").status_code == 200
    assert _replay(app, captured).status_code == 302


def test_a_wrong_current_password_changes_nothing(app, client, login):
    email = login(Role.TECHNICIAN)

    client.post(
        "/auth/password",
        data={"current": "not the one", "new": "plum kettle orbit", "confirm": "plum kettle orbit"},
    )

    with app.app_context():
        assert users.authenticate(email, PASSWORD).email == email


def test_a_deactivated_technicians_cookie_opens_nothing(app, client, login):
    email = login(Role.TECHNICIAN)
    captured = _cookie(client)

    with app.app_context():
        user = users.find_user_by_email(email)
        admin = make_user(Role.ADMIN, clinic=user.clinic)
        users.deactivate_user(user, admin)
        users.reactivate_user(user, admin)
        db.session.commit()

    assert _replay(app, captured).status_code == 302


def test_an_admins_reset_signs_the_person_out_and_asks_for_a_new_password(app, client, login):
    email = login(Role.TECHNICIAN)
    captured = _cookie(client)
    with app.app_context():
        user = users.find_user_by_email(email)
        users.require_password_reset(user, make_user(Role.ADMIN, clinic=user.clinic))
        db.session.commit()

    signed_in = _sign_in(client, email, PASSWORD)

    assert _replay(app, captured).status_code == 302
    assert signed_in.headers["Location"] == "/auth/password"
    assert client.get("/chair/").headers["Location"] == "/auth/password"


@pytest.mark.parametrize("forged", ["1", "1:", ":1", "1:2:3", "x:1", "²:1", "1:²", "9" * 40 + ":1"])
def test_a_cookie_without_a_valid_session_version_opens_nothing(app, forged):
    with app.app_context():
        user_id = str(make_user(Role.TECHNICIAN).id)
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = forged.replace("1", user_id, 1) if forged[0] == "1" else forged

    assert client.get("/chair/").status_code == 302


def test_a_version_in_the_cookie_other_than_the_users_opens_nothing(app):
    with app.app_context():
        user = make_user(Role.TECHNICIAN)
        db.session.commit()
        stale = f"{user.id}:{user.session_version - 1}"
        ahead = f"{user.id}:{user.session_version + 1}"
    for ident in (stale, ahead):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = ident

        assert client.get("/chair/").status_code == 302


def test_user_model_keeps_the_version_in_its_id(ctx):
    user = make_user(Role.TECHNICIAN)

    users.sign_out(user)

    assert user.get_id() == f"{user.id}:2"
    assert isinstance(db.session.get(User, user.id), User)


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer(client, tech):
    unknown = _sign_in(client, "nobody@example.test", "a wrong password")
    wrong = _sign_in(client, tech, "a wrong password")

    assert unknown.status_code == wrong.status_code == 401
    assert b"Email or password is not right." in unknown.data
    assert b"Email or password is not right." in wrong.data


@pytest.mark.parametrize(
    "target",
    ["https://evil.test/", "//evil.test/chair/", "/\\evil.test", "javascript:alert(1)", "chair/"],
)
def test_after_sign_in_next_never_leads_off_the_site(client, tech, target):
    response = client.post(
        "/auth/login", query_string={"next": target}, data={"email": tech, "password": PASSWORD}
    )

    assert response.headers["Location"] == "/"


def test_after_sign_in_next_leads_to_a_page_on_the_site(client, tech):
    response = client.post(
        "/auth/login", query_string={"next": "/chair/"}, data={"email": tech, "password": PASSWORD}
    )

    assert response.headers["Location"] == "/chair/"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_the_per_address_limit_holds_with_redis_storage(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "APP_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SERVER_NAME": "clinic.test",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
            "RATELIMIT_KEY_PREFIX": f"smph-test-{uuid.uuid4().hex}",
            "LOGIN_ADDRESS_RATE_LIMIT": "3 per 15 minutes",
        }
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.create_all()
    client = app.test_client()

    codes = [
        _sign_in(client, f"n{n}@example.test", "wrong one", "10.7.0.1").status_code
        for n in range(4)
    ]
    other = _sign_in(client, "n9@example.test", "wrong one", address="10.7.0.2")

    assert [*codes, other.status_code] == [401, 401, 401, 429, 401]


def test_a_parallel_first_failure_for_the_same_email_is_counted_not_crashed(ctx, monkeypatch):
    throttling.record_failure("race@example.test", None)
    db.session.commit()
    real_get, calls = db.session.get, []

    def get_as_if_not_yet_committed(model, key, **kwargs):
        calls.append(key)
        return None if len(calls) == 1 else real_get(model, key, **kwargs)

    monkeypatch.setattr(db.session, "get", get_as_if_not_yet_committed)
    throttling.record_failure("race@example.test", None)
    db.session.commit()
    monkeypatch.undo()

    assert db.session.get(LoginThrottle, "race@example.test").failures == 2


def test_guessing_the_current_password_on_the_change_page_pauses_like_sign_in(client, login, clock):
    email = login(Role.TECHNICIAN)
    guess = {"new": "plum kettle orbit", "confirm": "plum kettle orbit"}
    for n in range(5):
        client.post("/auth/password", data={**guess, "current": f"guess number {n}"})

    right = client.post(
        "/auth/password", data={**guess, "current": PASSWORD}, follow_redirects=True
    )
    client.post("/auth/logout")
    clock.advance(seconds=61)

    assert PAUSED_ONE.encode() in right.data
    assert _sign_in(client, email, PASSWORD).status_code == 302  # unchanged by the refused try
