"""Rows into the benchmark's database the fastest way each database takes them.

SQLite: one raw connection with the journal off, no fsync, foreign-key checks off and a 2 GiB
page cache, for the seed only (the file goes back to WAL afterwards); rows go in with
executemany, and the indexes are kept up to date as they go. PostgreSQL: COPY, with foreign-key
triggers off for the loading transaction (`session_replication_role = replica`, superuser only:
the benchmark's own database), and the non-unique indexes of the loaded tables dropped first and
built again at the end.

Why the two differ (measured at BENCH_SCALE=0.2, in CPU seconds): on SQLite this process does
the index work either way, and building after the load cost as much as keeping them up to date
(26 s in all), but as a serial tail after the hashing processes finish instead of alongside them.
On PostgreSQL the server does it, and building after the load cost its backend 22 s instead of
32 s. A crash halfway leaves a broken database: it is a throwaway one, made again by the next run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import Index
from sqlalchemy.schema import CreateIndex

from smp_hygiene.extensions import db

# 2 GiB: at full scale the unique indexes of random hashes (the chain, the tokens) stay in memory
SQLITE_CACHE_KIB = 2 * 1024 * 1024
LOADED_TABLES = ("user", "client", "supply_lot", "treatment_session", "supply_use", "audit_entry")


@contextmanager
def loading() -> Iterator[Loader]:
    """A loader whose work is committed at the end, or dropped with its connection on an error."""
    loader = Loader()
    try:
        yield loader
    except BaseException:
        loader.raw.close()  # closing rolls back: the database keeps only what came before
        raise
    loader.close()


class Loader:
    """One connection for the whole bulk load; `close()` commits and builds the indexes."""

    def __init__(self) -> None:
        db.session.commit()  # what the services wrote (clinics, keys, auditors) goes in first
        db.session.close()
        db.engine.dispose()  # no connection of the pool may hold the database (see below)
        self.postgres = db.engine.dialect.name == "postgresql"
        self.raw = db.engine.raw_connection()
        self.connection: Any = self.raw.driver_connection  # sqlite3 or psycopg
        self.indexes = plain_indexes() if self.postgres else []
        if self.postgres:
            self._execute("SET session_replication_role = replica")
            self._execute("SET maintenance_work_mem = '512MB'")
        else:
            mode = self.connection.execute("PRAGMA journal_mode=OFF").fetchone()[0]
            if mode != "off":  # SQLite leaves WAL only when no other connection is open
                raise RuntimeError(f"the database stayed in journal_mode={mode}")
            for pragma in (
                "synchronous=OFF",
                "foreign_keys=OFF",
                f"cache_size=-{SQLITE_CACHE_KIB}",
            ):
                self._execute(f"PRAGMA {pragma}")
            self._execute("BEGIN")
        for index in self.indexes:
            self._execute(f'DROP INDEX "{index.name}"')

    def _execute(self, sql: str) -> None:
        cursor = self.connection.cursor()
        cursor.execute(sql)
        cursor.close()

    def ts(self, iso: str) -> str:
        """A UTC timestamp, from its ISO form with whole seconds ("2023-01-02T09:00:00+00:00"),
        as SQLAlchemy stores it on SQLite; PostgreSQL reads the ISO form itself."""
        return iso if self.postgres else f"{iso[:10]} {iso[11:19]}.000000"

    def day(self, value: date) -> Any:
        return value if self.postgres else value.isoformat()

    def flag(self, value: bool) -> Any:
        return value if self.postgres else int(value)

    def write(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        if self.postgres:
            copy_sql = f'COPY "{table}" ({names}) FROM STDIN'
            with self.connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608  fixed names
        self.connection.executemany(sql, rows)

    def close(self) -> None:
        """Build the dropped indexes, commit, and give the database back in its usual mode."""
        for index in self.indexes:
            self._execute(str(CreateIndex(index).compile(dialect=db.engine.dialect)))
        if self.postgres:
            self.connection.commit()
            self._execute("RESET session_replication_role")
        else:
            self._execute("COMMIT")
            self._execute("PRAGMA journal_mode=WAL")
        self.raw.close()


def plain_indexes() -> list[Index]:
    """The non-unique indexes of the loaded tables, which PostgreSQL builds after the load.
    Unique ones stay: they check what is loaded."""
    return [
        index
        for name in LOADED_TABLES
        for index in sorted(db.metadata.tables[name].indexes, key=lambda i: str(i.name))
        if not index.unique
    ]
