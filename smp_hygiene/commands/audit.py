"""Audit: prove the trail and the sealed records are untouched, and pin the trail outside.

`audit-verify` runs one function per check and exits 1 if any of them found a break.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from smp_hygiene import sqlite
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic
from smp_hygiene.services.audit import checkpoints, crosscheck, runners, seal_pass, verifying
from smp_hygiene.services.audit.runners import Runner, run_serially
from smp_hygiene.services.audit.seal_pass import SealPass
from smp_hygiene.services.audit.verifying import ChainReport


def check_chains(full: bool = True, run: Runner = run_serially) -> list[ChainReport]:
    """Walk every clinic's chain, in full or from its last verified checkpoint (re-checked
    first); say per clinic what was found."""
    reports = list(verifying.verify_every_clinic(full=full, run=run))
    for report in reports:
        where = f"clinic #{report.clinic_id} ({report.clinic})"
        if report.ok:
            walked = "" if full else f" ({report.checked} walked since the last checkpoint)"
            click.echo(f"OK: {where}: {report.entries} audit entries chained{walked}.")
        else:
            click.echo(f"BROKEN: {where}: audit {report.problem}", err=True)
    return reports


def remember_chains(reports: list[ChainReport]) -> None:
    """The stored verified checkpoints move to the heads just walked intact."""
    for report in reports:
        verifying.remember_verified(report)
    db.session.commit()


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


def check_seals(sealed: SealPass) -> bool:
    """Every sealed record's digest, recomputed by the pass over the sealed sessions."""
    if sealed.broken_session_id is not None:
        click.echo(f"BROKEN: {sealed.broken}", err=True)
        return False
    click.echo(f"OK: {sealed.checked} sealed sessions match.")
    return True


def check_database_against_trail(sealed: SealPass, run: Runner = run_serially) -> bool:
    """Sealed sessions still sealed and matching the trail's digest; named records still there."""
    report = crosscheck.cross_check(sealed, run)
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
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=lambda: min(os.cpu_count() or 1, 4),
    show_default="the machine's cores, at most 4",
    help="Processes that share out the walk (one where the database is SQLite in memory).",
)
@with_appcontext
def audit_verify_command(checkpoint_file: Path | None, full: bool, jobs: int) -> None:
    """Walk every clinic's audit chain and recompute every sealed record; exit 1 on any break."""
    gc.freeze()  # what exists now outlives the walk: no collection need traverse it again
    try:
        # Only reads until the checkpoints are stored: on SQLite, no write lock held meanwhile.
        with sqlite.read_only(), runners.runner(jobs) as run:
            chains = check_chains(full, run)
            results = [all(report.ok for report in chains)]
            if checkpoint_file is not None:
                results.append(check_checkpoints(checkpoint_file))
            sealed = seal_pass.check_sealed_sessions(run)
            results.append(check_seals(sealed))
            results.append(check_database_against_trail(sealed, run))
            db.session.rollback()  # end the reading transaction before writing
    finally:
        gc.unfreeze()
    remember_chains(chains)
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
