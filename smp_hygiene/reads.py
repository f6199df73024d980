"""A connection for one read statement, outside any transaction.

A single SELECT sees one consistent snapshot on both databases, so wrapping it in BEGIN and
ROLLBACK costs two more statements (on PostgreSQL, two more round trips) for nothing. Used by
the busiest read there is, the patient page's lookup (services/verification/stored_records.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Connection

from smp_hygiene import sqlite
from smp_hygiene.extensions import db


@contextlib.contextmanager
def one_statement() -> Iterator[Connection]:
    """A pooled connection in autocommit mode, for exactly one read statement."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        else:  # SQLite: our own BEGIN is skipped; pysqlite itself never begins (sqlite.py)
            connection.execution_options(**{sqlite.ONE_STATEMENT: True})
        yield connection
