"""Copying the database out and back in: SQLite's online backup API, or pg_dump/pg_restore."""

from __future__ import annotations

import os
import shutil
import sqlite3

# Accepted: runs only pg_dump/pg_restore, with argument lists and no shell.
import subprocess  # nosec B404
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from smp_hygiene.errors import BackupRefused
from smp_hygiene.extensions import db
from smp_hygiene.services.backups import inventory

SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"


def kind() -> str:
    return "postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupRefused(
            f"{name} is not installed on this machine: install the PostgreSQL client."
        )
    return path


def _pg_target() -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, which goes in PGPASSWORD instead of the process list."""
    url = db.engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def dump_sqlite(folder: Path) -> dict[str, Any]:
    """Copy page by page while the app keeps running, then count the copy, not the live file."""
    raw = db.engine.raw_connection()
    target = sqlite3.connect(folder / SQLITE_FILE)
    try:
        raw.driver_connection.backup(target)  # type: ignore[union-attr]
    finally:
        target.close()
        raw.close()
    return describe_sqlite_copy(folder / SQLITE_FILE)


def describe_sqlite_copy(path: Path) -> dict[str, Any]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return inventory.describe(connection)
    finally:
        engine.dispose()


def dump_postgres(folder: Path) -> dict[str, Any]:
    """Count inside one repeatable-read snapshot and hand that snapshot to pg_dump, so the
    manifest describes exactly the rows in the dump."""
    url, env = _pg_target()
    with db.engine.connect() as connection:
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        described = inventory.describe(connection)
        command = [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}"]
        command += ["--file", str(folder / PG_FILE), "--dbname", url]
        _run(command, env)
        connection.rollback()
    return described


def check_postgres_archive(path: Path) -> None:
    """pg_restore --list reads the whole table of contents: a truncated dump fails here."""
    _run([_tool("pg_restore"), "--list", str(path)], dict(os.environ))


def restore_sqlite(folder: Path) -> None:
    """Overwrite the live database with the copy through the same backup API."""
    db.session.remove()
    source = sqlite3.connect(folder / SQLITE_FILE)
    raw = db.engine.raw_connection()
    try:
        source.backup(raw.driver_connection)  # type: ignore[arg-type]
    finally:
        raw.close()
        source.close()


def restore_postgres(folder: Path) -> None:
    """Drop what is there and load the dump; the app's own connections are closed first."""
    url, env = _pg_target()
    db.session.remove()
    db.engine.dispose()
    command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--exit-on-error"]
    _run([*command, "--single-transaction", "--dbname", url, str(folder / PG_FILE)], env)


def _run(command: list[str], env: dict[str, str]) -> None:
    # Accepted: the program is pg_dump/pg_restore found by which(), the arguments a list (no shell)
    # built from our own database URL and folder.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        name = Path(command[0]).name
        raise BackupRefused(f"{name} failed: {done.stderr.strip()[:500]}")
