"""One way to build an app on the test database: the default fixture and the production-config
fixture both use it, so their set-up and clean-up cannot drift apart."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from sqlalchemy import text

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db

BASE_CONFIG = {
    "SECRET_KEY": "test",
    "WTF_CSRF_ENABLED": False,
    "SERVER_NAME": "clinic.test",
    "RATELIMIT_STORAGE_URI": "memory://",
}


def empty_postgres() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@contextlib.contextmanager
def app_on(database_url: str, instance: Path, **config) -> Iterator[Flask]:
    """An app with its tables on `database_url`, emptied (PostgreSQL) and disposed afterwards."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **config})
    app.instance_path = str(instance)
    with app.app_context():
        db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            if database_url.startswith("postgresql"):
                empty_postgres()
            db.engine.dispose()
