"""Prometheus metrics: latency by endpoint, refusals by rule, scans, live figures, who may read."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from smp_hygiene.extensions import db
from smp_hygiene.models import ChainCheckpoint, Notification, NotificationStatus, Role
from smp_hygiene.services.notifications import outbox
from tests.apps import app_on
from tests.factories import make_clinic, make_ready_session
from tests.notices import recall_case


def _samples(client, **headers) -> dict:
    text = client.get("/metrics", headers=headers).get_data(as_text=True)
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_timed_by_endpoint_never_by_path(client):
    client.get("/v/A-SECRET-CARD-TOKEN")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'endpoint="verify.show"' in text
    assert "A-SECRET-CARD-TOKEN" not in text
    assert re.search(r'smp_request_seconds_count\{endpoint="verify.show",method="GET"', text)


def test_a_refusal_is_counted_by_rule(client):
    before = _value(_samples(client), "smp_refusals_total", rule="InvalidCredentials")
    client.post("/auth/login", data={"email": "x@example.test", "password": "wrong"})
    after = _value(_samples(client), "smp_refusals_total", rule="InvalidCredentials")
    assert after == before + 1


def test_scans_are_counted_recorded_or_refused(app, client, login):
    login(Role.TECHNICIAN)
    with app.app_context():
        session_id = make_ready_session().id
        db.session.commit()
    before = _value(_samples(client), "smp_scans_total", outcome="refused")
    client.post(
        f"/chair/sessions/{session_id}/scans",
        data={"barcode": "not a barcode"},
        headers={"Accept": "application/json"},
    )
    after = _value(_samples(client), "smp_scans_total", outcome="refused")
    assert after == before + 1


def test_checkpoint_age_is_read_at_scrape_time(app, client):
    with app.app_context():
        clinic = make_clinic()
        db.session.add(
            ChainCheckpoint(clinic_id=clinic.id, entry_id=1, entries=1, head_hash="0" * 64)
        )
        db.session.commit()
        clinic_id = clinic.id
    age = _value(_samples(client), "smp_audit_checkpoint_age_seconds", clinic_id=str(clinic_id))
    assert 0 <= age < 60


def test_production_hides_metrics_without_the_token(tmp_path, database_url):
    settings = {"APP_ENV": "production", "SECRET_KEY": "x" * 32, "METRICS_TOKEN": "scrape-me"}
    with app_on(database_url, tmp_path, TESTING=True, **settings) as app:
        client = app.test_client()
        anonymous = client.get("/metrics", base_url="https://clinic.test")
        wrong = client.get(
            "/metrics", headers={"Authorization": "Bearer nope"}, base_url="https://clinic.test"
        )
        right = client.get(
            "/metrics",
            headers={"Authorization": "Bearer scrape-me"},
            base_url="https://clinic.test",
        )
    assert anonymous.status_code == wrong.status_code == 404
    assert right.status_code == 200
    assert b"smp_request_seconds" in right.data


def test_production_without_a_token_shows_no_metrics(tmp_path, database_url):
    with app_on(database_url, tmp_path, APP_ENV="production", SECRET_KEY="x" * 32) as app:
        assert app.test_client().get("/metrics", base_url="https://clinic.test").status_code == 404


def test_notification_backlog_is_read_at_scrape_time(app, client):
    with app.app_context():
        case = recall_case(affected=2)
        outbox.queue_recall_notices(case.auditor, case.recall)
        db.session.commit()
        waiting = db.session.scalar(
            select(func.count()).where(Notification.status == NotificationStatus.QUEUED)
        )
    assert waiting > 0
    assert _value(_samples(client), "smp_notifications_pending", status="queued") == waiting
