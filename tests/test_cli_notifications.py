"""`flask notifications ...`: without Redis, `send` sends what is due in this process."""

from __future__ import annotations

from smp_hygiene.extensions import db
from smp_hygiene.models import Notification, NotificationStatus
from smp_hygiene.services.notifications import outbox
from tests.mailserver import smtp_server
from tests.notices import MAIL_CONFIG, recall_case


def _queue(app) -> set[str]:
    with app.app_context():
        case = recall_case()
        outbox.queue_recall_notices(case.auditor, case.recall)
        db.session.commit()
        return {client.email for client in case.affected}


def test_send_delivers_every_due_notice_once_without_redis(app):
    addresses = _queue(app)
    with smtp_server() as (inbox, port):
        app.config.update(MAIL_CONFIG, SMTP_PORT=port)

        first = app.test_cli_runner().invoke(args=["notifications", "send"])
        second = app.test_cli_runner().invoke(args=["notifications", "send"])

    assert "2 notice(s) due (0 interrupted earlier): 2 sent." in first.output
    assert "0 notice(s) due" in second.output
    assert sorted(m["To"] for m in inbox.messages) == sorted(addresses)
    with app.app_context():
        assert {n.status for n in db.session.query(Notification)} == {NotificationStatus.SENT}


def test_send_refuses_to_start_without_a_sender_address(app):
    _queue(app)

    result = app.test_cli_runner().invoke(args=["notifications", "send"])

    assert result.exit_code == 1
    assert "Set MAIL_FROM" in result.output


def test_the_worker_needs_redis(app):
    app.config.update(MAIL_CONFIG, REDIS_URL="")

    result = app.test_cli_runner().invoke(args=["notifications", "worker", "--burst"])

    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output
