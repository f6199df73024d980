"""Two workers claiming the same notices at once: each notice goes to exactly one of them.

Threads released together by a barrier, each with its own app context and connection, on
PostgreSQL (TEST_DATABASE=postgres) or a SQLite file.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.services.notifications import delivery, outbox
from smp_hygiene.timeutil import utcnow
from tests.apps import app_on
from tests.notices import recall_case

ROUNDS = 8


@pytest.fixture
def race_app(tmp_path, database_url):
    url = database_url if database_url != "sqlite://" else f"sqlite:///{tmp_path / 'r.sqlite3'}"
    with app_on(url, tmp_path, TESTING=True, APP_ENV="test") as app:
        yield app


def _claim_in_thread(app, notification_id: int, barrier: threading.Barrier, won: list) -> None:
    with app.app_context():
        barrier.wait()
        claimed = delivery.claim(notification_id, utcnow())
        db.session.commit()
        if claimed is not None:
            won.append(notification_id)


def test_two_workers_never_both_claim_a_notice(race_app):
    with race_app.app_context():
        case = recall_case(affected=ROUNDS)
        ids = [n.id for n in outbox.queue_recall_notices(case.auditor, case.recall).queued]
        db.session.commit()
    won: list[int] = []

    for notification_id in ids:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(
                target=_claim_in_thread, args=(race_app, notification_id, barrier, won)
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert Counter(won) == dict.fromkeys(ids, 1)
