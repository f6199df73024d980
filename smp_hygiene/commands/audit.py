"""Audit: prove the trail and the sealed records are untouched."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from smp_hygiene.services.audit import chain as audit_log
from smp_hygiene.services.audit import crosscheck
from smp_hygiene.services.sessions import sealing


@click.command("audit-verify")
@with_appcontext
def audit_verify_command() -> None:
    """Walk the audit chain and recompute every sealed record; exit 1 at the first mismatch."""
    chain = audit_log.verify_chain()
    if not chain.ok:
        click.echo(f"BROKEN: audit {chain.problem}", err=True)
        sys.exit(1)
    seals = sealing.verify_seals()
    if not seals.ok:
        click.echo(f"BROKEN: {seals.problem}", err=True)
        sys.exit(1)
    _cross_check()
    click.echo(f"OK: {chain.entries} audit entries chained, {seals.checked} sealed sessions match.")


def _cross_check() -> None:
    """The database against the trail: sealed sessions still sealed, named records still there."""
    report = crosscheck.cross_check()
    for problem in report.problems:
        click.echo(f"BROKEN: {problem}", err=True)
    if not report.ok:
        sys.exit(1)
    click.echo(
        f"OK: {report.completions} completions in the audit trail match their sessions; "
        f"{report.entities} records it names are all present."
    )


COMMANDS = (audit_verify_command,)
