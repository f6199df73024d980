"""`flask notifications ...`: send client notices inline, or run the RQ worker that sends them.

With REDIS_URL set, run `flask --app wsgi notifications worker` beside the web server; without
it (the embedded default), `flask --app wsgi notifications send` sends whatever is due (run it
after pressing "notify by email", or from cron to pick up retries).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from rq import SimpleWorker

from smp_hygiene.commands import notification_jobs
from smp_hygiene.services.notifications import mailer, queueing

notifications = AppGroup("notifications", help="Email notices to clients (recalls, sterilisation).")


def _check_settings() -> None:
    try:
        mailer.MailSettings.from_config(current_app.config)
    except mailer.MailNotConfigured as error:
        raise click.ClickException(str(error)) from error


@notifications.command("send")
def send_command() -> None:
    """Send every notice that is due now, one at a time, in this process."""
    _check_settings()
    requeued, due = notification_jobs.sweep()
    outcomes: dict[str, int] = {}
    for notification_id in due:
        outcome = notification_jobs.send_one(notification_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    click.echo(
        f"{len(due)} notice(s) due ({len(requeued)} interrupted earlier): {summary or 'none'}."
    )


@notifications.command("sweep")
def sweep_command() -> None:
    """Queue again what a dead worker left half-sent, and queue every due notice (for cron)."""
    queue = _queue()
    requeued, due = notification_jobs.sweep()
    queueing.enqueue(due)
    click.echo(f"{len(due)} notice(s) queued on {queue.name} ({len(requeued)} interrupted).")


@notifications.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run the RQ worker that sends notices (REDIS_URL); retries wait in RQ's scheduler."""
    _check_settings()
    queue = _queue()
    _, due = notification_jobs.sweep()
    queueing.enqueue(due)
    # SimpleWorker runs each job in this process, inside this app; no fork shares the pool.
    worker = SimpleWorker([queue], connection=queue.connection)
    worker.work(burst=burst, with_scheduler=True)


def _queue():
    queue = queueing.job_queue()
    if queue is None:
        raise click.ClickException(
            "REDIS_URL is not set: run `flask notifications send` to send notices inline."
        )
    return queue


COMMANDS = (notifications,)
