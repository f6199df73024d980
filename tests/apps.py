"""How tests get an app on the test database.

Most tests share one app per test worker (`reused`): building an app costs ~130 ms (half of it
flask-smorest writing the API's OpenAPI document) and its tables half as much again, which over
2,000 tests was most of the suite's time. Between two tests the shared app is put back as it was
built: its config, its rate limits, its instance folder, and an empty database. A test that needs
other config, or adds routes, builds its own with `app_on`, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from sqlalchemy import event, text

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db, limiter

BASE_CONFIG = {
    "SECRET_KEY": "test",
    "WTF_CSRF_ENABLED": False,
    "SERVER_NAME": "clinic.test",
    "RATELIMIT_STORAGE_URI": "memory://",
}


def empty_database() -> None:
    """Delete every row, children first, and restart PostgreSQL's id sequences, so the next test
    sees the database as `create_all` left it (ids from 1 again, as in a fresh one)."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "sqlite":
        _empty_sqlite(tables)
        return
    deletes = "".join(f'DELETE FROM "{name}";' for name in tables)
    db.session.execute(text(f"DO $$ BEGIN {deletes} {_RESTART_SEQUENCES} END $$"))
    db.session.commit()


# DELETE, not TRUNCATE: TRUNCATE makes new files for every table (~100 ms for all of them), while
# a DELETE from an empty table costs next to nothing, and a test fills only a few.
_RESTART_SEQUENCES = """
DECLARE used record;
BEGIN
  FOR used IN SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', used.schemaname, used.sequencename);
  END LOOP;
END;
"""


def _empty_sqlite(tables: list[str]) -> None:
    # On the driver's connection, outside SQLAlchemy's BEGIN hook (sqlite.py): foreign keys can
    # only be switched off outside a transaction, and rows deleted here need no order among them.
    connection = db.engine.raw_connection()
    try:
        deletes = "".join(f'DELETE FROM "{name}";' for name in tables)
        connection.driver_connection.executescript(  # type: ignore[union-attr]
            f"PRAGMA foreign_keys=OFF; BEGIN; {deletes} COMMIT; PRAGMA foreign_keys=ON;"
        )
    finally:
        connection.close()


@contextlib.contextmanager
def app_on(database_url: str, instance: Path, **config) -> Iterator[Flask]:
    """An app with its tables on `database_url`, emptied and disposed afterwards."""
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
                empty_database()
            db.engine.dispose()


# Which test a pooled PostgreSQL connection last served: the shared app keeps its connections
# (a new one costs ~70 ms before its first DELETE, PostgreSQL loading the catalog for each table),
# so a session-level `SET` a test made is undone before the next test uses the connection.
_generation = [0]


def forget_settings_between_tests(app: Flask) -> None:
    """Reset every setting of a pooled PostgreSQL connection the first time each test takes it."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "checkout")
    def _reset(dbapi_connection, record, _proxy) -> None:
        if record.info.get("generation") == _generation[0]:
            return
        record.info["generation"] = _generation[0]
        dbapi_connection.autocommit = True  # RESET ALL inside a transaction would be undone
        dbapi_connection.execute("RESET ALL")
        dbapi_connection.autocommit = False


@contextlib.contextmanager
def reused(app: Flask, instance: Path) -> Iterator[Flask]:
    """`app` for one test, with `instance` as its instance folder (signing keys, checkpoints);
    afterwards its config and database are put back as they were before the test."""
    config = dict(app.config)
    routes = len(app.view_functions)
    app.instance_path = str(instance)
    # The limiter is one object that every app shares, and the last app built points it at its
    # storage: point it back at this app's config, with a new, empty memory store.
    limiter.init_app(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            empty_database()
        _generation[0] += 1
        app.config.clear()
        app.config.update(config)
    # A route added here would stay for every later test: such a test needs its own app.
    assert len(app.view_functions) == routes, "a test added a route to the shared app"
