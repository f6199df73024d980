"""Blank PostgreSQL databases built by the migrations, for the tests that need the real thing.

Runs when PostgreSQL answers on 127.0.0.1:5432 (it does here and in CI); skipped elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
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


# Run by a process the suite does not wait for (sh starts it in the background and returns).
_DROP = """
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
"""


def drop_database_later(name: str, admin_url: str = ADMIN_URL) -> None:
    """Drop `name` without waiting: DROP DATABASE makes PostgreSQL checkpoint, writing every
    dirty page of the whole server first (a second when quiet, half a minute on a server other
    work keeps busy), and nothing in the suite needs the drop to have finished."""
    background = 'nohup "$0" -c "$1" "$2" "$3" >/dev/null 2>&1 &'
    subprocess.run(["sh", "-c", background, sys.executable, _DROP, admin_url, name], check=True)


def admin_connection():
    """An autocommit connection to the server's maintenance database, or a skip."""
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


@contextlib.contextmanager
def migrated_database(prefix: str) -> Iterator[Flask]:
    """An app on a new database built by the migrations exactly as production is; dropped after
    (in the background)."""
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
        drop_database_later(name)
