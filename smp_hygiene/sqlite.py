"""SQLite needs foreign keys on per connection, and a busy timeout for concurrent writers."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from smp_hygiene.extensions import db


def register(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        event.listen(db.engine, "connect", _on_connect)


def _on_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
