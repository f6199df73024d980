"""Fixtures: one app per test worker, with an empty database and its own config for every test
(tests/apps.py says how); `fresh_app` builds a new one for a test that changes the app itself.

SQLite in memory by default. `TEST_DATABASE=postgres` runs the same tests on PostgreSQL
(127.0.0.1:5432): one database per test worker, emptied after every test.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from smp_hygiene.demo import clinic as demo_clinic
from smp_hygiene.extensions import db
from smp_hygiene.services.people import users
from tests import factories
from tests.apps import app_on, forget_settings_between_tests, reused
from tests.postgres import drop_database_later, migrated_database
from tests.seeds import Seed

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
    drop_database_later(name, POSTGRES_ADMIN_URL)


TEST_CONFIG = {"TESTING": True, "APP_ENV": "test"}


@pytest.fixture(scope="session")
def worker_app(database_url, tmp_path_factory):
    """The app every test of this worker shares, tables created once."""
    with app_on(database_url, tmp_path_factory.mktemp("worker_app"), **TEST_CONFIG) as built:
        forget_settings_between_tests(built)
        yield built


@pytest.fixture
def app(worker_app, tmp_path):
    with reused(worker_app, tmp_path) as shared:
        yield shared


@pytest.fixture(scope="session")
def migrated_app():
    """An app on a PostgreSQL database the migrations built, as production's is: one per worker,
    made when a test first asks, shared like `worker_app`."""
    with migrated_database("smp_migrated") as built:
        forget_settings_between_tests(built)
        yield built


@pytest.fixture
def pg_app(migrated_app, tmp_path):
    """The migrated PostgreSQL database, empty for each test, whichever database the run uses."""
    with reused(migrated_app, tmp_path) as app:
        yield app


@pytest.fixture
def fresh_app(tmp_path, database_url):
    """A new app of the test config, for a test that adds routes to it."""
    with app_on(database_url, tmp_path, **TEST_CONFIG) as built:
        yield built


@pytest.fixture(scope="module")
def demo_seed():
    """The demo clinic: built for the first test of a module that asks, copied into the others."""
    return Seed(demo_clinic.load)


@pytest.fixture(scope="module")
def module_seeds() -> dict:
    """The seeds (tests/seeds.py) of the module running, by the function that builds each."""
    return {}


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
