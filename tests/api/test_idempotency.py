"""Idempotency keys: a retried POST is answered from the record, never done twice."""

from __future__ import annotations

import threading

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import ApiSubmission, Client, ProductKind, Role, SupplyUse
from tests import factories
from tests.api.conftest import Api, issue_token
from tests.factories import gs1_for

ANN = {"full_name": "Ann Other", "date_of_birth": "1990-01-02"}


def test_a_retry_with_the_same_key_gets_the_first_answer_and_records_once(app, api_as):
    api = api_as(Role.TECHNICIAN)

    first = api.post("/clients", json=ANN, key="retry-1")
    again = api.post("/clients", json=ANN, key="retry-1")

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    with app.app_context():
        assert db.session.query(Client).count() == 1


def test_a_scan_retried_after_the_double_scan_window_is_still_one_use(app, api_as):
    app.config["DOUBLE_SCAN_SECONDS"] = 0  # only the key can tell this retry from a new scan
    with app.app_context():
        session = factories.make_ready_session()
        needle = factories.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
        session_id, clinic, scan = session.id, session.clinic, {"barcode": gs1_for(needle)}
        db.session.commit()
    api = api_as(Role.TECHNICIAN, clinic)

    responses = [api.post(f"/sessions/{session_id}/scans", json=scan, key="scan-1") for _ in "ab"]

    assert [r.status_code for r in responses] == [201, 201]
    with app.app_context():
        assert db.session.query(SupplyUse).count() == 1


def test_the_same_key_for_another_request_is_refused(app, api_as):
    api = api_as(Role.TECHNICIAN)
    api.post("/clients", json=ANN, key="reused")

    other = api.post("/clients", json=ANN | {"full_name": "Bo Other"}, key="reused")

    assert other.status_code == 422
    assert other.get_json()["rule"] == "IdempotencyKeyReused"
    with app.app_context():
        assert db.session.query(Client).count() == 1


@pytest.mark.parametrize("key", [None, "", "has space", "x" * 101, "é"])
def test_a_post_without_a_usable_key_is_refused_and_records_nothing(app, api_as, key):
    api = api_as(Role.TECHNICIAN)

    response = api.post("/clients", json=ANN, key=key)

    assert response.status_code == 422
    assert response.get_json()["rule"] == "IdempotencyKeyMissing"
    with app.app_context():
        assert db.session.query(Client).count() == 0


def test_a_refused_request_leaves_its_key_free_for_a_corrected_retry(app, api_as):
    api = api_as(Role.TECHNICIAN)

    refused = api.post("/clients", json=ANN | {"date_of_birth": "2999-01-01"}, key="fix-me")
    corrected = api.post("/clients", json=ANN, key="fix-me")

    assert refused.status_code == 422
    assert refused.get_json()["rule"] == "InvalidInput"
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected.headers


def test_keys_are_per_user(app, client):
    with app.app_context():
        clinic = factories.make_clinic()
        secrets = [issue_token(Role.TECHNICIAN, clinic)[1] for _ in "ab"]
        db.session.commit()

    answers = [Api(client, s).post("/clients", json=ANN, key="shared") for s in secrets]

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].get_json()["id"] != answers[1].get_json()["id"]


@pytest.mark.postgres
def test_two_retries_at_the_same_instant_record_once_on_postgresql(pg_app):
    _race_retries(pg_app, rounds=5)


def _race_retries(app, rounds: int) -> None:
    with app.app_context():
        _, secret = issue_token(Role.TECHNICIAN)
        db.session.commit()
    for n in range(rounds):
        answers = _at_once(app, secret, f"race-{n}")

        assert [a.status_code for a in answers] == [201, 201]
        assert answers[0].get_json() == answers[1].get_json()
        assert sum("Idempotent-Replayed" in a.headers for a in answers) == 1
    with app.app_context():
        assert db.session.query(Client).count() == rounds
        assert db.session.query(ApiSubmission).count() == rounds


def _at_once(app, secret: str, key: str) -> list:
    """Two threads, each with its own client (so its own app context and connection), post the
    same request with the same key, released together."""
    barrier, answers = threading.Barrier(2), [None, None]

    def post(i):
        api = Api(app.test_client(), secret)
        barrier.wait()
        answers[i] = api.post("/clients", json=ANN, key=key)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
