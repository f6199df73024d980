"""Data a whole test module starts from, made once per module and copied into each test.

The demo clinic takes seconds to build (hundreds of audited, sealed, signed records), and a
module's "world" of sealed sessions, cycles and recalls a good part of a second; a module whose
tests all start from one builds it for real for its first test and, for the others, writes the
same rows back into the emptied database, with the same signing keys in the test's own instance
folder. A seed taken on another (UTC) day is built again, since records are dated from today.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import text

from smp_hygiene.extensions import db
from smp_hygiene.services.verification import signing
from smp_hygiene.timeutil import utcnow


class Seed:
    """`seed()` run for real the first time; its rows and private keys copied back afterwards,
    and what it returned (ids, never model objects) returned again."""

    def __init__(self, seed: Callable[[], Any]) -> None:
        self.seed = seed
        self.rows: dict[str, list[dict]] | None = None
        self.keys: dict[str, bytes] = {}
        self.value: Any = None
        self.day: date | None = None

    def apply(self) -> Any:
        """Seed the (empty) database of the current app, commit, and return what `seed()` did."""
        if self.rows is None or self.day != utcnow().date():
            self.day = utcnow().date()
            self.value = self.seed()
            db.session.commit()
            assert not _holds_a_record(self.value), "a seed returns ids: its records are rebuilt"
            self.rows = _read_rows()
            self.keys = {p.name: p.read_bytes() for p in _key_files(signing.key_dir())}
            return self.value
        _write_keys(signing.key_dir(), self.keys)
        _write_rows(self.rows)
        db.session.commit()
        return self.value


def seeded(build: Callable[[], Any], name: str):
    """A fixture named `name` that fills each test's database with what `build()` makes and
    gives the test what it returned; built for the module's first test, copied into the others."""

    @pytest.fixture(name=name)
    def fixture(app, module_seeds):
        seed = module_seeds.setdefault(build, Seed(build))
        with app.app_context():
            return seed.apply()

    return fixture


def _holds_a_record(value: Any) -> bool:
    if isinstance(value, db.Model):
        return True
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, SimpleNamespace):
        value = list(vars(value).values())
    return isinstance(value, list | tuple) and any(_holds_a_record(v) for v in value)


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
