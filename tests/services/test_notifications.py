"""Client notices by email: one per client per event, sent through a real SMTP server, retried
with back-off, bounced for good, and never carrying another client's data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from smp_hygiene.commands import notification_jobs
from smp_hygiene.errors import InvalidInput, NotAllowed, RecallClosed
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AuditEntry,
    ClientNotification,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
    Role,
    SporeResult,
)
from smp_hygiene.services.audit import verifying
from smp_hygiene.services.notifications import delivery, outbox, queueing
from smp_hygiene.services.recalls import operations
from smp_hygiene.timeutil import utcnow
from tests.factories import make_user
from tests.mailserver import free_port, smtp_server
from tests.notices import MAIL_CONFIG, positive_spore_test, recall_case


@pytest.fixture
def mail(app, ctx):
    """A real SMTP server, and the app pointed at it."""
    with smtp_server() as (inbox, port):
        app.config.update(MAIL_CONFIG, SMTP_PORT=port)
        yield inbox


@pytest.fixture
def case(ctx):
    return recall_case()


def _queue(case) -> list[Notification]:
    result = outbox.queue_recall_notices(case.auditor, case.recall)
    db.session.commit()
    return result.queued


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_auditor_can_queue_one_notice_per_affected_client_with_an_address(case):
    result = outbox.queue_recall_notices(case.auditor, case.recall)

    assert sorted(n.client_id for n in result.queued) == sorted(c.id for c in case.affected)
    assert [c.id for c in result.no_email] == [case.no_email.id]
    assert all(n.status is NotificationStatus.QUEUED for n in result.queued)
    assert _actions()[-2:] == ["notification.queued"] * 2
    assert "no email address: call them" in result.message


def test_queuing_again_adds_no_second_notice_for_a_client(case):
    _queue(case)

    again = outbox.queue_recall_notices(case.auditor, case.recall)

    assert (again.queued, again.already) == ([], 2)
    assert db.session.query(Notification).count() == 2


def test_the_database_refuses_a_second_notice_for_the_same_client_and_recall(case):
    [first, _] = _queue(case)

    db.session.add(
        Notification(
            clinic_id=first.clinic_id,
            client_id=first.client_id,
            kind=NotificationKind.RECALL,
            subject_id=first.subject_id,
            created_by_id=first.created_by_id,
        )  # fmt: skip
    )

    with pytest.raises(IntegrityError):
        db.session.flush()


def test_technician_cannot_queue_notices(case):
    with pytest.raises(NotAllowed, match="auditors and admins"):
        outbox.queue_recall_notices(make_user(Role.TECHNICIAN), case.recall)


def test_a_closed_recall_queues_no_notices(case):
    operations.close_recall(case.auditor, case.recall, "Everyone was phoned")

    with pytest.raises(RecallClosed, match="closed"):
        outbox.queue_recall_notices(case.auditor, case.recall)


def test_notices_are_handed_to_the_queue_only_after_commit(case, monkeypatch):
    handed: list[list[int]] = []
    monkeypatch.setattr(queueing, "enqueue", lambda ids, at=None: handed.append(list(ids)))
    result = outbox.queue_recall_notices(case.auditor, case.recall)
    assert handed == []

    db.session.commit()

    assert handed == [[n.id for n in result.queued]]


def test_a_rolled_back_queueing_hands_nothing_to_the_queue(case, monkeypatch):
    handed: list[list[int]] = []
    monkeypatch.setattr(queueing, "enqueue", lambda ids, at=None: handed.append(list(ids)))
    outbox.queue_recall_notices(case.auditor, case.recall)

    db.session.rollback()
    db.session.commit()

    assert handed == []


def test_a_notice_is_sent_once_and_recorded_as_sent(case, mail):
    [notice, _] = _queue(case)
    client = db.session.get(type(case.affected[0]), notice.client_id)

    assert notification_jobs.send_one(notice.id) == "sent"
    assert notification_jobs.send_one(notice.id) == "skipped"

    [message] = mail.to(client.email)
    assert mail.count() == 1
    assert notice.status is NotificationStatus.SENT
    assert notice.attempts == 1
    assert message["Message-ID"] == notice.message_id
    told = db.session.scalars(select(ClientNotification)).one()
    assert (told.client_id, told.channel) == (client.id, NotificationChannel.EMAIL)
    assert _actions()[-2:] == ["notification.sent", "recall.client_notified"]
    assert all(report.ok for report in verifying.verify_every_clinic())


def test_the_message_says_what_why_and_what_to_do_and_links_only_this_clients_records(case, mail):
    notices = _queue(case)
    mine, other = case.affected
    for notice in notices:
        notification_jobs.send_one(notice.id)

    [message] = mail.to(mine.email)
    text = message.get_content()

    assert "RB0624" in text
    assert case.recall.product.title in text
    assert "Contains a banned aromatic amine" in text
    assert "see a doctor" in text
    assert "+44 20 7946 0000" in text
    for session in case.sessions[mine.id]:
        assert f"https://verify.clinic.test/v/{session.verify_token}" in text
    for secret in (other.full_name, other.email, case.sessions[other.id][0].verify_token):
        assert secret not in message.as_string()
    assert case.unaffected.email not in message.as_string()
    assert message["Reply-To"] == "desk@clinic.test"


def test_a_refused_address_bounces_for_good_and_the_error_names_no_one(case, mail):
    [notice, _] = _queue(case)
    address = db.session.get(type(case.affected[0]), notice.client_id).email
    mail.refuse[address] = f"550 5.1.1 <{address}>: no such user"

    assert notification_jobs.send_one(notice.id) == "bounced"

    assert notice.last_error == "address refused (SMTP 550)"
    assert notice.next_attempt_at is None
    assert notice.sent_at is None
    assert _actions()[-1] == "notification.bounced"


def test_a_busy_server_is_tried_again_after_a_growing_wait(case, mail):
    [notice, _] = _queue(case)
    address = db.session.get(type(case.affected[0]), notice.client_id).email
    mail.refuse[address] = "451 4.3.0 try again later"
    before = utcnow()

    assert notification_jobs.send_one(notice.id) == "queued"

    assert notice.attempts == 1
    assert notice.last_error == "address refused (SMTP 451)"
    assert (
        before + timedelta(minutes=1) <= notice.next_attempt_at <= utcnow() + timedelta(minutes=1)
    )
    assert delivery.claim(notice.id, utcnow()) is None  # not due yet
    assert _actions()[-1] == "notification.retry_scheduled"


def test_retries_back_off_then_give_up_after_five_tries(case, mail):
    [notice, _] = _queue(case)
    mail.refuse[db.session.get(type(case.affected[0]), notice.client_id).email] = "451 busy"
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS):
        notice.next_attempt_at = None  # as if the wait were over
        db.session.commit()
        started = utcnow()
        notification_jobs.send_one(notice.id)
        if notice.next_attempt_at:
            waits.append(round((notice.next_attempt_at - started).total_seconds() / 60))

    assert waits == [1, 5, 25, 125]
    assert (notice.status, notice.attempts) == (NotificationStatus.FAILED, 5)
    assert mail.count() == 0


def test_an_unreachable_mail_server_is_tried_again(case, app):
    app.config.update(MAIL_CONFIG, SMTP_PORT=free_port())  # nothing listens there
    [notice, _] = _queue(case)

    assert notification_jobs.send_one(notice.id) == "queued"

    assert notice.last_error == "mail server unreachable (ConnectionRefusedError)"


def test_a_notice_left_half_sent_by_a_dead_worker_goes_again_with_the_same_message_id(case, mail):
    [notice, _] = _queue(case)
    claimed = delivery.claim(notice.id, utcnow() - timedelta(minutes=11))
    db.session.commit()  # ...and the worker died before it recorded anything
    first_id = claimed.message_id

    assert delivery.reclaim_stale(utcnow(), timedelta(minutes=10)) == [notice.id]
    db.session.commit()
    assert notification_jobs.send_one(notice.id) == "sent"

    [message] = mail.messages
    assert message["Message-ID"] == first_id == notice.message_id
    assert notice.attempts == 2
    assert "notification.interrupted" in _actions()


def test_a_fresh_claim_is_left_to_its_worker(case):
    [notice, _] = _queue(case)
    delivery.claim(notice.id, utcnow())
    db.session.commit()

    assert delivery.reclaim_stale(utcnow(), timedelta(minutes=10)) == []
    assert notice.status is NotificationStatus.SENDING


def test_a_client_whose_address_was_removed_is_not_sent_to(case, mail):
    [notice, _] = _queue(case)
    db.session.get(type(case.affected[0]), notice.client_id).email = ""
    db.session.commit()

    assert notification_jobs.send_one(notice.id) == "failed"

    assert notice.last_error == "the client has no email address now"
    assert mail.count() == 0


def test_retry_delays_grow_five_fold():
    delays = [delivery.retry_delay(n) for n in range(1, 6)]

    assert [d.total_seconds() / 60 for d in delays] == [1, 5, 25, 125, 125]


def test_clients_of_a_suspect_load_are_told_what_happened_and_what_to_watch_for(ctx, mail):
    test, auditor, client, session = positive_spore_test()
    [notice] = outbox.queue_sterilisation_notices(auditor, test).queued
    db.session.commit()

    assert notification_jobs.send_one(notice.id) == "sent"

    [message] = mail.to("sam@mail.test")
    text = message.get_content()
    assert "Grip and tube" in text
    assert "spore test" in text
    assert "see a doctor" in text
    assert f"https://verify.clinic.test/v/{session.verify_token}" in text
    assert db.session.scalars(select(ClientNotification)).all() == []  # recalls only


def test_a_negative_spore_test_sends_no_notices(ctx):
    test, auditor, _, _ = positive_spore_test(SporeResult.NEGATIVE)

    with pytest.raises(InvalidInput, match="positive spore test"):
        outbox.queue_sterilisation_notices(auditor, test)
