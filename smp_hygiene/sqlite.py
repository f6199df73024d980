"""SQLite as a real multi-process database: WAL, a busy timeout, and writes that begin as writes.

- Foreign keys are switched on per connection (SQLite's default is off).
- File databases use WAL, so readers never block the writer and the writer never blocks readers.
- pysqlite delays BEGIN, so a SAVEPOINT opened before any write starts the outer transaction
  itself and its RELEASE commits everything: a later rollback would then keep a half-done change.
  SQLAlchemy's documented fix is to let SQLAlchemy emit BEGIN itself, which we do.
- A request that may write (anything but GET/HEAD/OPTIONS) and all work outside a request (CLI,
  jobs, tests) begin with `BEGIN IMMEDIATE`: the one write lock is taken at the start, waiting up
  to the busy timeout for it. With a deferred BEGIN, a transaction that read first and then
  writes fails at once with SQLITE_BUSY when another writer committed in between (its WAL
  snapshot is stale, and waiting cannot help): two chairs scanning under two workers got 500s.
  Reads keep a plain deferred BEGIN, so pages never wait for a writer; so does work outside a
  request that says it only reads (`read_only()`: `audit-verify`'s long walks), which must end
  its transactions before it writes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import Flask, g, has_app_context, has_request_context, request
from sqlalchemy import event

from smp_hygiene.extensions import db

BUSY_TIMEOUT_MS = 10_000
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if _is_file(cursor):
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; cheap to repeat
    cursor.close()


def _is_file(cursor) -> bool:
    """In-memory and temporary databases have no file name, and no WAL."""
    main = next(row for row in cursor.execute("PRAGMA database_list") if row[1] == "main")
    return bool(main[2])


_IMMEDIATE = "smp_began_immediate"


# An execution option: this connection runs one read statement and needs no BEGIN (reads.py).
ONE_STATEMENT = "smp_one_statement"


def _on_begin(connection) -> None:
    if connection.get_execution_options().get(ONE_STATEMENT):
        return  # pysqlite runs it alone, in autocommit mode: one statement, one snapshot
    immediate = _may_write()
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    connection.info[_IMMEDIATE] = immediate


def sqlite_write_lock_held() -> bool:
    """Did the current SQLite transaction begin with the write lock (BEGIN IMMEDIATE)?"""
    return bool(db.session.connection().info.get(_IMMEDIATE))


@contextlib.contextmanager
def read_only() -> Iterator[None]:
    """Transactions begun inside only read: outside a request they begin deferred, so they
    neither wait for the write lock nor keep writers waiting while they run."""
    g.smp_read_only = True
    try:
        yield
    finally:
        g.pop("smp_read_only", None)


def _may_write() -> bool:
    """Outside a request (CLI, jobs, tests) we cannot tell, so assume a write, unless the work
    said it only reads."""
    if has_app_context() and g.get("smp_read_only"):
        return False
    return not has_request_context() or request.method not in READ_ONLY_METHODS
