"""Fixtures: a fresh app and an empty database for every test.

SQLite in memory by default. `TEST_DATABASE=postgres` runs the same tests on PostgreSQL
(127.0.0.1:5432): one database per test worker, emptied after every test.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from smp_hygiene.extensions import db
from smp_hygiene.services.people import users
from tests import factories
from tests.apps import app_on

# Real argon2id, cheap parameters: thousands of logins in the suite, not one a second.
users.use_hash_parameters(time_cost=1, memory_cost_kib=1024)


# Properties, not timings: a busy CI machine (two test workers, a browser) can take longer than
# hypothesis's 200 ms per example without anything being wrong, so no deadline.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def database_url(request):
    if os.environ.get("TEST_DATABASE") != "postgres":
        yield "sqlite://"
        return
    import psycopg

    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    name = f"smp_suite_{worker}_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def app(tmp_path, database_url):
    with app_on(database_url, tmp_path, TESTING=True, APP_ENV="test") as built:
        yield built


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
