"""Every page carries a strict CSP; a view that sets its own header keeps it."""

from __future__ import annotations

from flask import Response

from smp_hygiene.models import Role
from smp_hygiene.security import CONTENT_SECURITY_POLICY


def test_anyone_gets_a_strict_csp_on_the_login_page(client):
    response = client.get("/auth/login")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_view_can_set_its_own_csp(app, client):
    own = "default-src 'none'; img-src 'self'"

    @app.get("/own-csp")
    def own_csp():
        return Response("ok", headers={"Content-Security-Policy": own})

    response = client.get("/own-csp")

    assert response.headers["Content-Security-Policy"] == own
    assert response.headers["Content-Security-Policy"] != CONTENT_SECURITY_POLICY


def test_a_wrong_password_is_refused_with_401_and_the_form_again(client, login):
    email = login(Role.TECHNICIAN)
    client.post("/auth/logout")

    response = client.post("/auth/login", data={"email": email, "password": "not the one"})

    assert response.status_code == 401
    assert b'name="password"' in response.data
    assert client.get("/chair/").status_code == 302
