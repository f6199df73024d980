"""Hand notice ids to RQ, only ever after the transaction that made them has committed.

The queue carries row ids and nothing else: the row says whether a notice is still due, so a
lost, repeated or late job changes nothing. Without REDIS_URL nothing is queued and
`flask notifications send` sends what is due.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from redis import Redis, RedisError
from rq import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

from smp_hygiene.extensions import db

log = logging.getLogger(__name__)

# The job, named by path so that services need not import the command layer that runs it.
JOB = "smp_hygiene.commands.notification_jobs.deliver"
JOB_TIMEOUT_SECONDS = 300  # an SMTP conversation is bounded by SMTP_TIMEOUT_SECONDS
_PENDING = "notifications.to_enqueue"
_SCHEDULED = "notifications.to_schedule"


def job_queue() -> Queue | None:
    """The RQ queue from REDIS_URL and NOTIFY_QUEUE, or None when no Redis is configured."""
    url = current_app.config.get("REDIS_URL", "")
    if not url:
        return None
    return Queue(current_app.config["NOTIFY_QUEUE"], connection=_redis(url))


@functools.cache
def _redis(url: str) -> Redis:
    return Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def enqueue_after_commit(ids: Iterable[int]) -> None:
    """Queue these notices once the caller commits; a rollback forgets them."""
    db.session.info.setdefault(_PENDING, []).extend(ids)


def schedule_after_commit(id_and_time: Iterable[tuple[int, datetime]]) -> None:
    """Queue each notice for its own time (an aftercare check-in's due date) once the caller
    commits. A job lost before then is no loss: the row stays due, and the sweep sends it."""
    db.session.info.setdefault(_SCHEDULED, []).extend(id_and_time)


def enqueue(ids: Iterable[int], at: datetime | None = None) -> bool:
    """Put one job per notice on the queue (at `at`, for a retry); False if it could not.

    A notice that misses the queue is not lost: it stays due in the outbox, and the next sweep
    (worker start, `flask notifications sweep`) or inline run sends it.
    """
    queue, ids = job_queue(), list(ids)
    if queue is None or not ids:
        return False
    try:
        for notification_id in ids:
            options = {"job_timeout": JOB_TIMEOUT_SECONDS, "result_ttl": 3600}
            if at is None:
                queue.enqueue(JOB, notification_id, **options)
            else:
                queue.enqueue_at(at, JOB, notification_id, **options)
    except RedisError as error:
        log.warning("notices not queued (%s): the next sweep sends them", type(error).__name__)
        return False
    return True


@event.listens_for(db.session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        enqueue(ids)
    for notification_id, at in session.info.pop(_SCHEDULED, []):
        enqueue([notification_id], at=at)


@event.listens_for(db.session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_SCHEDULED, None)
