"""Blank PostgreSQL databases built by the migrations, for the tests that need the real thing.

Runs when PostgreSQL answers on 127.0.0.1:5432 (it does here and in CI); skipped elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db

ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def admin_connection():
    """An autocommit connection to the server's maintenance database, or a skip."""
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


@contextlib.contextmanager
def migrated_database(prefix: str) -> Iterator[Flask]:
    """An app on a new database built by the migrations exactly as production is; dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"postgresql://postgres@127.0.0.1:5432/{name}",
        }
    )
    try:
        with app.app_context():
            upgrade()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
