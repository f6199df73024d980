"""Writing, verifying and restoring a backup folder: copy, keys.enc and manifest.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from smp_hygiene.errors import BackupRefused
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic
from smp_hygiene.services.audit import verifying
from smp_hygiene.services.backups import copies, inventory, keys
from smp_hygiene.services.sessions import sealing
from smp_hygiene.services.verification import signing
from smp_hygiene.timeutil import utcnow

MANIFEST = "manifest.json"
KEYS_FILE = "keys.enc"


def write_backup(folder: Path, passphrase: str) -> dict[str, Any]:
    """Copy the database and the sealed keys into an empty folder, write the manifest, verify."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupRefused(f"{folder} is not empty: back up into a new folder.")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    kind = copies.kind()
    # The copy first: on SQLite the session must not hold a read transaction on the connection
    # being copied, and a key created after the copy began is not needed by it.
    described = copies.dump_postgres(folder) if kind == "postgresql" else copies.dump_sqlite(folder)
    found, missing = keys.collect_keys()
    (folder / KEYS_FILE).write_bytes(keys.seal_keys(found, passphrase))
    data_file = copies.PG_FILE if kind == "postgresql" else copies.SQLITE_FILE
    manifest = {
        "created_at": utcnow().isoformat(),
        "database": kind,
        **described,
        "key_ids": sorted(found),
        "keys_missing": missing,
        "files": {name: inventory.sha256(folder / name) for name in (data_file, KEYS_FILE)},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    verify_backup(folder)
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.exists():
        raise BackupRefused(f"{folder} has no {MANIFEST}: it is not a backup folder.")
    return json.loads(path.read_text())


def verify_backup(folder: Path) -> dict[str, Any]:
    """Every file matches its digest, and the copy reopens with the manifest's counts and heads."""
    manifest = read_manifest(folder)
    for name, digest in manifest["files"].items():
        if not (folder / name).exists() or inventory.sha256(folder / name) != digest:
            raise BackupRefused(f"{name} is missing or changed since the backup was written.")
    if manifest["database"] == "sqlite":
        _compare(manifest, copies.describe_sqlite_copy(folder / copies.SQLITE_FILE), "copy")
    else:
        copies.check_postgres_archive(folder / copies.PG_FILE)
    return manifest


def _compare(manifest: dict[str, Any], found: dict[str, Any], where: str) -> None:
    for table, count in manifest["tables"].items():
        if found["tables"].get(table) != count:
            got = found["tables"].get(table)
            raise BackupRefused(f"The {where} has {got} rows in {table}, the manifest {count}.")
    if found["chains"] != manifest["chains"]:
        raise BackupRefused(f"The {where}'s audit chain heads differ from the manifest's.")


def restore_backup(folder: Path, passphrase: str, force: bool = False) -> dict[str, Any]:
    """Check the backup and the passphrase before touching anything, then restore and prove it."""
    manifest = verify_backup(folder)
    if manifest["database"] != copies.kind():
        raise BackupRefused(
            f"This is a {manifest['database']} backup; the database is {copies.kind()}."
        )
    sealed = keys.open_keys((folder / KEYS_FILE).read_bytes(), passphrase)
    rows = sum(inventory.count_rows(db.session.connection()).values())
    if rows and not force:
        raise BackupRefused(
            f"The database is not empty ({rows} rows): restore with --force to overwrite it."
        )
    keys.install_keys(sealed, signing.key_dir())
    if manifest["database"] == "postgresql":
        copies.restore_postgres(folder)
    else:
        copies.restore_sqlite(folder)
    check_restored(manifest)
    return manifest


def check_restored(manifest: dict[str, Any]) -> None:
    """The restored database matches the manifest, every chain walks and every seal holds."""
    _compare(manifest, inventory.describe(db.session.connection()), "restored database")
    for clinic in db.session.scalars(select(Clinic).order_by(Clinic.id)):
        report = verifying.verify_clinic_chain(clinic, full=True)
        if not report.ok:
            raise BackupRefused(f"Restored, but clinic #{clinic.id}'s audit {report.problem}")
    seals = sealing.verify_seals()
    if not seals.ok:
        raise BackupRefused(f"Restored, but {seals.problem}")
