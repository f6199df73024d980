"""Data a whole test module starts from, made once per module and copied into each test.

The demo clinic takes seconds to build (hundreds of audited, sealed, signed records); a module
whose every test starts from it builds it for its first test and, for the others, writes the same
rows back into the emptied database, with the same signing keys in the test's own instance folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from smp_hygiene.extensions import db
from smp_hygiene.services.verification import signing


class Seed:
    """`seed()` run for real the first time; its rows and private keys copied back afterwards."""

    def __init__(self, seed: Callable[[], None]) -> None:
        self.seed = seed
        self.rows: dict[str, list[dict]] | None = None
        self.keys: dict[str, bytes] = {}

    def apply(self) -> None:
        """Seed the (empty) database of the current app, and commit."""
        if self.rows is None:
            self.seed()
            db.session.commit()
            self.rows = _read_rows()
            self.keys = {p.name: p.read_bytes() for p in _key_files(signing.key_dir())}
            return
        _write_keys(signing.key_dir(), self.keys)
        _write_rows(self.rows)
        db.session.commit()


def _read_rows() -> dict[str, list[dict]]:
    return {
        table.name: [dict(row) for row in db.session.execute(table.select()).mappings()]
        for table in db.metadata.sorted_tables
    }


def _write_rows(rows: dict[str, list[dict]]) -> None:
    for table in db.metadata.sorted_tables:  # parents before children
        if rows[table.name]:
            db.session.execute(table.insert(), rows[table.name])
    if db.engine.dialect.name == "postgresql":
        _move_sequences_past(rows)


def _move_sequences_past(rows: dict[str, list[dict]]) -> None:
    """Rows came back with their ids: the next id each table hands out comes after them."""
    for table in db.metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None or not rows[table.name]:
            continue
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), :last)"),
            {
                "table": table.name,
                "column": column.name,
                "last": max(r[column.name] for r in rows[table.name]),
            },
        )


def _key_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pem")) if folder.is_dir() else []


def _write_keys(folder: Path, keys: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, pem in keys.items():
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
