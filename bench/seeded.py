"""The database a run measures: made empty for seeding, or restored from a kept seed.

`--keep DIR` keeps what was seeded, before any measurement writes to it: on SQLite the file,
on PostgreSQL a template database, named in DIR/seed.json; the clinics' signing keys and the
seed's figures go in DIR too. `--reuse DIR` measures a fresh copy of it, so the current code and
an older checkout (`--code`) start from the same rows, and a full-scale run can be repeated,
without seeding again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "smp_bench"
SQLITE_FILE = "bench.sqlite3"
INFO_FILE = "seed.json"


def empty(database: str, workdir: Path) -> str:
    """The URL of an empty database for this run (PostgreSQL's is dropped and made again)."""
    if database == "sqlite":
        return f"sqlite:///{workdir}/{SQLITE_FILE}"
    _recreate(BENCH_DB)
    return f"postgresql://postgres@127.0.0.1:5432/{BENCH_DB}"


def _recreate(name: str, template: str | None = None) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        admin.execute(f'CREATE DATABASE "{name}"{copy}')


def keep(kept: Path, workdir: Path, info: dict[str, Any]) -> None:
    """Copy what was just seeded (no connection to it may be open) and its figures to `kept`."""
    kept.mkdir(parents=True, exist_ok=True)
    if info["database"] == "sqlite":
        shutil.copyfile(workdir / SQLITE_FILE, kept / SQLITE_FILE)
    else:
        info["template"] = (
            "smp_bench_kept_"
            + hashlib.sha1(  # noqa: S324  a name, not a secret
                str(kept.resolve()).encode()
            ).hexdigest()[:10]
        )
        _recreate(info["template"], template=BENCH_DB)
    shutil.copytree(workdir / "keys", kept / "keys", dirs_exist_ok=True)
    (kept / INFO_FILE).write_text(json.dumps(info, indent=1) + "\n")


def restore(kept: Path, database: str, scale: float | None, workdir: Path) -> tuple[str, dict]:
    """A fresh copy of a kept seed in `workdir`: its URL, and the seed's figures."""
    info = json.loads((kept / INFO_FILE).read_text())
    if info["database"] != database or (scale is not None and scale != info["scale"]):
        raise SystemExit(
            f"{kept} holds a {info['database']} seed at BENCH_SCALE={info['scale']:g}, "
            f"not {database}" + (f" at {scale:g}" if scale is not None else "")
        )
    shutil.copytree(kept / "keys", workdir / "keys")
    if database == "sqlite":
        shutil.copyfile(kept / SQLITE_FILE, workdir / SQLITE_FILE)
        return f"sqlite:///{workdir}/{SQLITE_FILE}", info
    _recreate(BENCH_DB, template=info["template"])
    return f"postgresql://postgres@127.0.0.1:5432/{BENCH_DB}", info
