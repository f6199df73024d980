"""Structured logs: a request id on every line, JSON in production, and never a token or a name."""

from __future__ import annotations

import io
import json
import logging

import pytest

from smp_hygiene import logs
from smp_hygiene.extensions import db
from smp_hygiene.models import Role
from tests.apps import app_on
from tests.factories import make_client


@pytest.fixture
def lines():
    """Every line the app logs during the test, as JSON objects."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestContext())
    handler.setFormatter(logs.JsonFormatter())
    logs.LOGGER.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logs.LOGGER.removeHandler(handler)


def test_every_request_is_one_line_with_its_id_endpoint_and_status(client, lines):
    response = client.get("/healthz", headers={"X-Request-ID": "abc123-from-proxy"})
    (line,) = [entry for entry in lines() if entry["message"] == "request"]
    assert response.headers["X-Request-ID"] == "abc123-from-proxy"
    assert line["request_id"] == "abc123-from-proxy"
    assert (line["endpoint"], line["status"], line["method"]) == ("health.healthz", 200, "GET")
    assert isinstance(line["duration_ms"], float)


@pytest.mark.parametrize("offered", ["short", "x" * 65, "has space inside", "semi;colon-inject"])
def test_an_odd_request_id_is_replaced_not_trusted(client, lines, offered):
    response = client.get("/healthz", headers={"X-Request-ID": offered})
    assert response.headers["X-Request-ID"] != offered
    assert len(response.headers["X-Request-ID"]) == 32
    assert all(entry["request_id"] != offered for entry in lines())


def test_a_patients_token_and_a_searched_name_never_reach_the_log(app, client, login, lines):
    login(Role.AUDITOR)
    with app.app_context():
        make_client(full_name="Jordan Mensah")
        db.session.commit()
    client.get("/v/TOKEN-SHOULD-NOT-BE-LOGGED")
    search = client.get("/audit/trace/clients?q=Jordan+Mensah")
    text = json.dumps(lines())
    assert b"Jordan Mensah" in search.data  # the search found them: the name was in play
    assert "TOKEN-SHOULD-NOT-BE-LOGGED" not in text
    assert "Jordan" not in text
    assert "verify.show" in text
    assert "audit.trace_clients" in text


def test_a_signed_in_request_names_the_clinic_and_user_by_id(app, client, login, lines):
    email = login(Role.TECHNICIAN)
    client.get("/chair/")
    line = [e for e in lines() if e.get("endpoint") == "chair.today"][-1]
    assert line["user_id"] is not None
    assert line["clinic_id"] is not None
    assert email not in json.dumps(lines())


def test_a_refusal_is_logged_by_rule_without_its_message(client, lines):
    client.post("/auth/login", data={"email": "who@example.test", "password": "wrong one"})
    (refusal,) = [e for e in lines() if e["message"] == "refusal"]
    assert refusal["rule"] == "InvalidCredentials"
    assert refusal["endpoint"] == "auth.login"
    assert "who@example.test" not in json.dumps(lines())


def test_a_crash_is_logged_with_its_traceback_and_endpoint_but_not_its_path(
    tmp_path, database_url, lines
):
    with app_on(database_url, tmp_path, TESTING=False, APP_ENV="test") as app:
        app.add_url_rule("/v/<token>/boom", "boom", lambda token: 1 / 0)
        response = app.test_client().get("/v/SECRET-TOKEN/boom")
    (crash,) = [e for e in lines() if e["message"] == "unhandled error"]
    assert response.status_code == 500
    assert crash["endpoint"] == "boom"
    assert "ZeroDivisionError" in crash["exception"]
    assert "SECRET-TOKEN" not in json.dumps(lines())


def test_production_logs_json_and_development_logs_text(tmp_path, database_url):
    with app_on(database_url, tmp_path, APP_ENV="production", SECRET_KEY="x" * 32) as app:
        assert app.config["LOG_FORMAT"] == "json"
    with app_on(database_url, tmp_path, APP_ENV="development") as app:
        assert app.config["LOG_FORMAT"] == "text"


def test_text_lines_carry_the_request_id_and_the_extra_fields():
    record = logging.makeLogRecord(
        {"msg": "request", "levelname": "INFO", "endpoint": "chair.today", "status": 200}
    )
    logs.RequestContext().filter(record)
    formatter = logs.TextFormatter("%(levelname)s [%(request_id)s] %(message)s%(extra_text)s")
    assert formatter.format(record) == "INFO [-] request endpoint=chair.today status=200"
