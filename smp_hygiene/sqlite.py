"""SQLite needs foreign keys on per connection, a busy timeout, and real transactions.

pysqlite delays BEGIN until the first write, so a SAVEPOINT opened before any write starts the
outer transaction itself and its RELEASE commits everything: a later rollback would then keep a
half-done change. SQLAlchemy's documented fix is to let SQLAlchemy emit BEGIN itself.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from smp_hygiene.extensions import db


def register(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        event.listen(db.engine, "connect", _on_connect)
        event.listen(db.engine, "begin", _on_begin)


def _on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, decides when to BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _on_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")
