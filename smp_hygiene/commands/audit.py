"""Audit: prove the trail and the sealed records are untouched, and pin the trail outside.

`audit-verify` runs one function per check and exits 1 if any of them found a break.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic
from smp_hygiene.services.audit import checkpoints, crosscheck, verifying
from smp_hygiene.services.sessions import sealing


def check_chains(full: bool = True) -> bool:
    """Walk every clinic's chain, in full or from its last verified checkpoint (re-checked
    first); say per clinic what was found."""
    intact = True
    for report in verifying.verify_every_clinic(full=full):
        where = f"clinic #{report.clinic_id} ({report.clinic})"
        if report.ok:
            walked = "" if full else f" ({report.checked} walked since the last checkpoint)"
            click.echo(f"OK: {where}: {report.entries} audit entries chained{walked}.")
            verifying.remember_verified(report)
        else:
            click.echo(f"BROKEN: {where}: audit {report.problem}", err=True)
            intact = False
    db.session.commit()  # the stored verified checkpoints move to the heads just walked
    return intact


def check_checkpoints(path: Path) -> bool:
    """Prove each clinic's chain still extends every signed checkpoint in the file."""
    intact = True
    for checkpoint in checkpoints.read_checkpoints(path):
        where = f"clinic #{checkpoint.get('clinic_id')} ({checkpoint.get('clinic', '?')})"
        problem = checkpoints.checkpoint_problem(checkpoint)
        if problem:
            click.echo(
                f"BROKEN: {where}: checkpoint {checkpoint.get('signed_at')}: {problem}", err=True
            )
            intact = False
    if intact:
        click.echo(f"OK: the chains extend every checkpoint in {path}.")
    return intact


def check_seals() -> bool:
    """Recompute every sealed record's digest."""
    seals = sealing.verify_seals()
    if not seals.ok:
        click.echo(f"BROKEN: {seals.problem}", err=True)
        return False
    click.echo(f"OK: {seals.checked} sealed sessions match.")
    return True


def check_database_against_trail() -> bool:
    """Sealed sessions still sealed and matching the trail's digest; named records still there."""
    report = crosscheck.cross_check()
    for problem in report.problems:
        click.echo(f"BROKEN: {problem}", err=True)
    if report.ok:
        click.echo(
            f"OK: {report.completions} completions in the audit trail match their sessions; "
            f"{report.entities} records it names are all present."
        )
    return report.ok


@click.command("audit-verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also prove the chains extend every signed checkpoint in this file (JSONL archive "
    "or a saved /.well-known/smp-hygiene-checkpoints.json).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Hash every entry from each chain's start; by default the walk starts at the entry "
    "the last intact walk reached, after checking that entry and the count before it.",
)
@with_appcontext
def audit_verify_command(checkpoint_file: Path | None, full: bool) -> None:
    """Walk every clinic's audit chain and recompute every sealed record; exit 1 on any break."""
    results = [check_chains(full)]
    if checkpoint_file is not None:
        results.append(check_checkpoints(checkpoint_file))
    results.append(check_seals())
    results.append(check_database_against_trail())
    if not all(results):
        sys.exit(1)


@click.command("audit-checkpoint")
@click.option("--clinic-id", type=int, default=None, help="Only this clinic (default: every one).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also append to this file (e.g. on archived or write-once storage).",
)
@with_appcontext
def audit_checkpoint_command(clinic_id: int | None, out: Path | None) -> None:
    """Sign each clinic's chain length and head hash; append it to the published archive (and
    --out). Run it from cron: entries after the newest checkpoint are not yet pinned."""
    published = checkpoints.published_file()
    stmt = select(Clinic).order_by(Clinic.id)
    clinics = db.session.scalars(stmt.where(Clinic.id == clinic_id) if clinic_id else stmt).all()
    if not clinics:
        raise click.ClickException("No such clinic.")
    for clinic in clinics:
        try:
            checkpoint = checkpoints.sign_checkpoint(clinic)
        except DomainError as refused:
            raise click.ClickException(str(refused)) from refused
        db.session.rollback()  # signing wrote nothing; end the transaction and its chain lock
        for path in dict.fromkeys([published, out or published]):
            checkpoints.append_checkpoint(path, checkpoint)
        click.echo(
            f"Signed: clinic #{clinic.id} ({clinic.name}): {checkpoint['entries']} entries, "
            f"head entry {checkpoint['head_entry_id']} {checkpoint['head_hash'][:16]}..."
        )


COMMANDS = (audit_verify_command, audit_checkpoint_command)
