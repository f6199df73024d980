"""A recall's notices through a real RQ worker to a real SMTP server, with the worker killed
half-way: each affected client still gets exactly one message, and no one else any.

The worker (`flask notifications worker`, in its own process group) sends the first message;
the SMTP server then sits on the second, the test SIGKILLs the worker while that message is in
flight (the server drops it, as a real one would), starts a worker again, and checks the inbox.
Needs Redis on 127.0.0.1:6379 (skipped without it); a unique queue per run keeps runs apart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db
from smp_hygiene.models import Notification, NotificationStatus
from smp_hygiene.services.notifications import outbox, queueing
from tests.mailserver import smtp_server
from tests.notices import MAIL_CONFIG, recall_case

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/9"
AFFECTED = 4


@pytest.fixture
def redis_or_skip():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")


@pytest.fixture
def setting(tmp_path, redis_or_skip):
    """The environment both the test and the worker run on: one SQLite file, one queue."""
    with smtp_server() as (inbox, port):
        env = {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'clinic.sqlite3'}",
            "SECRET_KEY": "notify-test",
            "APP_ENV": "development",
            "REDIS_URL": REDIS_URL,
            "NOTIFY_QUEUE": f"notify-test-{uuid.uuid4().hex[:12]}",
            "SMTP_PORT": str(port),
            "NOTIFY_CLAIM_TIMEOUT_SECONDS": "1",
            **{key: str(value) for key, value in MAIL_CONFIG.items()},
        }
        app = create_app(_config(env))
        try:
            yield app, env, inbox
        finally:
            with app.app_context():
                queue = queueing.job_queue()
                if queue is not None:
                    queue.delete(delete_jobs=True)
                db.engine.dispose()


def _config(env: dict) -> dict:
    config = {key: value for key, value in env.items() if key != "DATABASE_URL"}
    config["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    config["SMTP_PORT"] = int(env["SMTP_PORT"])
    return config


def _worker(env: dict, log, *args: str) -> subprocess.Popen:
    """The worker in its own process group, so one killpg also takes RQ's scheduler child."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "notifications", "worker", *args]
    inherited = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.Popen(  # noqa: S603  our own interpreter and arguments
        command, cwd=ROOT, env={**inherited, **env}, stdout=log, stderr=log,
        start_new_session=True,
    )  # fmt: skip


def _statuses(app) -> list[NotificationStatus]:
    with app.app_context():
        rows = db.session.scalars(select(Notification.status).order_by(Notification.id)).all()
        db.session.rollback()
        return list(rows)


def test_each_affected_client_gets_exactly_one_message_though_the_worker_is_killed(
    setting, tmp_path
):
    app, env, inbox = setting
    with app.app_context():
        db.create_all()
        case = recall_case(affected=AFFECTED)
        addresses, unaffected = {c.email for c in case.affected}, case.unaffected.email
        outbox.queue_recall_notices(case.auditor, case.recall)
        db.session.commit()  # ...which hands the ids to the worker's queue
    inbox.hold_after = 1

    with (tmp_path / "worker.log").open("w") as log:
        worker = _worker(env, log)
        assert inbox.holding.wait(timeout=60), (tmp_path / "worker.log").read_text()
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        in_flight = _statuses(app)
        inbox.hold_after = None
        time.sleep(1.2)  # the dead worker's claim is now older than NOTIFY_CLAIM_TIMEOUT_SECONDS
        restarted = _worker(env, log, "--burst")
        assert restarted.wait(timeout=60) == 0, (tmp_path / "worker.log").read_text()

    assert in_flight.count(NotificationStatus.SENT) == 1
    assert in_flight.count(NotificationStatus.SENDING) == 1  # killed with this one in flight

    assert sorted(m["To"] for m in inbox.messages) == sorted(addresses)
    assert _statuses(app) == [NotificationStatus.SENT] * AFFECTED
    assert not inbox.to(unaffected)
    with app.app_context():
        ids = set(db.session.scalars(select(Notification.message_id)))
    assert {m["Message-ID"].strip() for m in inbox.messages} == ids
