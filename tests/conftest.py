"""Fixtures: a fresh app and an in-memory database for every test."""

from __future__ import annotations

import pytest

from smp_hygiene import create_app
from smp_hygiene.extensions import db
from smp_hygiene.services import users
from tests import factories

# Real argon2id, cheap parameters: thousands of logins in the suite, not one a second.
users.use_hash_parameters(time_cost=1, memory_cost_kib=1024)


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "APP_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "clinic.test",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """App context for tests that call services directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(app, client):
    """Create a user of `role` and sign in through the real login form."""

    def sign_in(role, email=None):
        with app.app_context():
            user = factories.make_user(role=role, email=email)
            db.session.commit()
            email = user.email
        response = client.post("/auth/login", data={"email": email, "password": factories.PASSWORD})
        assert response.status_code == 302, response.data
        return email

    return sign_in
