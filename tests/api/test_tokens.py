"""API tokens: issued and revoked by an admin, shown once, hashed at rest, the only way in."""

from __future__ import annotations

import hashlib
import re

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import ApiToken, AuditEntry, Role, User
from smp_hygiene.services.people import api_tokens, users
from tests import factories
from tests.api.conftest import Api, issue_token


def test_a_request_without_a_token_is_refused_as_json(client):
    response = client.get("/api/v1/sessions")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.get_json()["error"] == "unauthorized"
    assert "Set-Cookie" not in response.headers


def test_a_signed_in_browser_cookie_opens_nothing_in_the_api(client, login):
    login(Role.TECHNICIAN)

    response = client.post("/api/v1/clients", json={"full_name": "Ann Other"})

    assert response.status_code == 401


@pytest.mark.parametrize("undo", ["revoke", "deactivate"])
def test_a_revoked_token_or_a_deactivated_login_is_refused(app, client, undo):
    with app.app_context():
        user, secret = issue_token(Role.TECHNICIAN)
        user_id, admin_id = user.id, factories.make_user(Role.ADMIN, clinic=user.clinic).id
        db.session.commit()
    api = Api(client, secret)
    assert api.get("/clients").status_code == 200

    with app.app_context():
        user, admin = db.session.get(User, user_id), db.session.get(User, admin_id)
        if undo == "revoke":
            api_tokens.revoke_token(admin, db.session.query(ApiToken).filter_by(user=user).one())
        else:
            users.deactivate_user(user, admin)
        db.session.commit()

    assert api.get("/clients").status_code == 401


def test_an_api_answer_sets_no_cookie(api_as):
    api = api_as(Role.TECHNICIAN)

    listed = api.get("/clients")
    created = api.post("/clients", json={"full_name": "Ann Other", "date_of_birth": "1990-01-02"})

    assert (listed.status_code, created.status_code) == (200, 201)
    assert "Set-Cookie" not in listed.headers
    assert "Set-Cookie" not in created.headers


def test_the_token_acts_with_its_users_role(api_as):
    api = api_as(Role.TECHNICIAN)

    response = api.get("/recalls")

    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"


def test_only_the_tokens_hash_is_stored(app):
    with app.app_context():
        _, secret = issue_token(Role.AUDITOR)
        stored = db.session.query(ApiToken).one()

        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in {entry.after for entry in db.session.query(AuditEntry)}


def test_admin_can_issue_a_token_shown_once_and_audited(app, client, login):
    login(Role.ADMIN)
    with app.app_context():
        logger = factories.make_user(Role.AUDITOR)
        db.session.commit()
        logger_id = logger.id

    issued = client.post("/admin/api-tokens", data={"user_id": logger_id, "name": "Autoclave"})
    listed = client.get("/admin/api-tokens")

    assert issued.status_code == 201
    assert issued.headers["Cache-Control"] == "no-store"
    secret = re.search(r"smph_[A-Za-z0-9_-]+", issued.get_data(as_text=True)).group(0)
    assert secret not in listed.get_data(as_text=True)
    assert Api(client, secret).get("/recalls").status_code == 200
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="api_token.created").count() == 1


def test_admin_can_revoke_a_token(app, client, login):
    login(Role.ADMIN)
    with app.app_context():
        _, secret = issue_token(Role.TECHNICIAN, db.session.query(User).first().clinic)
        db.session.commit()
        token_id = db.session.query(ApiToken).one().id

    revoked = client.post(f"/admin/api-tokens/{token_id}/revoke")

    assert revoked.status_code == 302
    assert Api(client, secret).get("/clients").status_code == 401
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="api_token.revoked").count() == 1


def test_admin_cannot_revoke_another_clinics_token(app, client, login):
    with app.app_context():
        factories.make_clinic(name="Ours")  # the first clinic: where login() puts the admin
        issue_token(Role.TECHNICIAN, factories.make_clinic(name="Theirs"))
        db.session.commit()
        token_id = db.session.query(ApiToken).one().id
    login(Role.ADMIN)

    response = client.post(f"/admin/api-tokens/{token_id}/revoke")

    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_only_admins_open_the_token_page(client, login, role):
    login(role)

    assert client.get("/admin/api-tokens").status_code == 403


def test_a_token_write_is_audited_as_one(app, api_as):
    api = api_as(Role.TECHNICIAN)

    created = api.post("/clients", json={"full_name": "Ann Other", "date_of_birth": "1990-01-02"})

    assert created.status_code == 201
    with app.app_context():
        used = db.session.query(AuditEntry).filter_by(action="api_token.used").one()
        assert '"operation":"api.register_client"' in used.after


def test_a_token_over_its_rate_limit_is_told_when_to_come_back(app, api_as):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    api = api_as(Role.TECHNICIAN)

    codes = [api.get("/sessions").status_code for _ in range(3)]
    refused = api.get("/sessions")

    assert codes == [200, 200, 429]
    assert refused.get_json()["error"] == "too_many_requests"
    assert refused.headers["Retry-After"] == "60"
