"""Counting the SQL a block sends: query-count tests guard pages against N+1 regressions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from smp_hygiene.extensions import db


@contextmanager
def count_queries(engine=None) -> Iterator[list[str]]:
    """Every SQL statement the block sends to the database, transaction control left out."""
    statements: list[str] = []
    engine = engine if engine is not None else db.engine

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not statement.strip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
