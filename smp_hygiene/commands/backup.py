"""Backup and restore: the database, the signing keys (sealed) and a manifest, in one folder."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from smp_hygiene.errors import DomainError
from smp_hygiene.services.backups import keys, operations


def _summary(manifest: dict) -> str:
    rows = sum(manifest["tables"].values())
    chains = ", ".join(
        f"clinic #{c['clinic_id']} {c['length']} entries to #{c['head_id']}"
        for c in manifest["chains"]
    )
    return f"{rows} rows in {len(manifest['tables'])} tables; audit chains: {chains or 'none'}"


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--verify", "verify_only", is_flag=True, help="Check an existing backup instead.")
@with_appcontext
def backup_command(folder: Path, verify_only: bool) -> None:
    """Write a verified backup into FOLDER (SMP_BACKUP_PASSPHRASE seals the keys), or check one."""
    try:
        _backup(folder, verify_only)
    except DomainError as refused:
        raise click.ClickException(str(refused)) from refused


def _backup(folder: Path, verify_only: bool) -> None:
    if verify_only:
        click.echo(
            f"OK: {folder} matches its manifest: {_summary(operations.verify_backup(folder))}."
        )
        return
    manifest = operations.write_backup(folder, keys.passphrase_from_env())
    for key_id in manifest["keys_missing"]:
        click.echo(
            f"WARNING: the private key {key_id} was not found and is not in the backup.", err=True
        )
    click.echo(f"OK: backed up and verified into {folder}: {_summary(manifest)}.")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that already holds rows.")
@with_appcontext
def restore_command(folder: Path, force: bool) -> None:
    """Restore FOLDER's database and keys, then re-walk every audit chain and seal."""
    try:
        manifest = operations.restore_backup(folder, keys.passphrase_from_env(), force=force)
    except DomainError as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo(f"OK: restored from {folder}; chains and seals verified: {_summary(manifest)}.")


COMMANDS = (backup_command, restore_command)
