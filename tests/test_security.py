"""Every page carries a strict CSP; production adds HSTS and secure cookies; ProxyFix as set."""

from __future__ import annotations

import pytest
from flask import Response, request
from sqlalchemy import func, select

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db
from smp_hygiene.models import Role, User
from smp_hygiene.security import CONTENT_SECURITY_POLICY
from tests.apps import app_on
from tests.factories import PASSWORD, make_user


def test_anyone_gets_a_strict_csp_on_the_login_page(client):
    response = client.get("/auth/login")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_view_can_set_its_own_csp(fresh_app):
    own = "default-src 'none'; img-src 'self'"

    @fresh_app.get("/own-csp")
    def own_csp():
        return Response("ok", headers={"Content-Security-Policy": own})

    response = fresh_app.test_client().get("/own-csp")

    assert response.headers["Content-Security-Policy"] == own
    assert response.headers["Content-Security-Policy"] != CONTENT_SECURITY_POLICY


def test_a_wrong_password_is_refused_with_401_and_the_form_again(client, login):
    email = login(Role.TECHNICIAN)
    client.post("/auth/logout")

    response = client.post("/auth/login", data={"email": email, "password": "not the one"})

    assert response.status_code == 401
    assert b'name="password"' in response.data
    assert client.get("/chair/").status_code == 302


@pytest.fixture
def production(tmp_path, database_url):
    """The app as APP_ENV=production builds it (with a secret, as production must have)."""
    config = {"APP_ENV": "production", "SECRET_KEY": "production-test"}
    with app_on(database_url, tmp_path, **config, PREFERRED_URL_SCHEME="https") as built:
        yield built


def test_production_sends_strict_transport_security_and_keeps_the_other_headers(production):
    response = production.test_client().get("/auth/login", base_url="https://clinic.test")

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_development_and_tests_send_no_strict_transport_security(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


def test_production_session_cookie_is_secure_httponly_and_samesite(production):
    with production.app_context():
        email = make_user(Role.TECHNICIAN).email
        db.session.commit()
    client = production.test_client()

    response = client.post(
        "/auth/login",
        data={"email": email, "password": PASSWORD},
        base_url="https://clinic.test",
    )

    cookie = response.headers["Set-Cookie"]
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_without_proxy_fix_a_forwarded_address_is_ignored(fresh_app):
    @fresh_app.get("/whoami")
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    response = fresh_app.test_client().get(
        "/whoami",
        headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )

    assert response.text == "10.0.0.2 http"


@pytest.mark.parametrize("hops", [1, 2])
def test_proxy_fix_hops_trusts_that_many_forwarded_hops(tmp_path, hops):
    app = create_app(
        {
            "SECRET_KEY": "t",
            "APP_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "PROXY_FIX_HOPS": hops,
            "SERVER_NAME": "clinic.test",
        }
    )

    @app.get("/whoami")
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    response = app.test_client().get(
        "/whoami",
        headers={
            "X-Forwarded-For": "203.0.113.66, 198.51.100.7, 192.0.2.1",
            "X-Forwarded-Proto": "https, https, https",
        },
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )

    forwarded = ["203.0.113.66", "198.51.100.7", "192.0.2.1"]
    assert response.text == f"{forwarded[-hops]} https"


def test_production_refuses_the_demo_logins_and_their_shared_password(production):
    result = production.test_cli_runner().invoke(args=["demo-data"])

    assert result.exit_code == 1
    assert "Demo data is for development only." in result.output
    with production.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
