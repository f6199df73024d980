"""Probes for orchestrators: liveness always, readiness only when database, Redis and schema are."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade

from smp_hygiene.app import create_app
from tests.apps import BASE_CONFIG


def _fresh(tmp_path, **config):
    db_file = tmp_path / "ready.sqlite3"
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", **config})


def test_liveness_answers_without_a_login_or_a_database(tmp_path):
    app = _fresh(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent/dir/x.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readiness_waits_for_the_schema_to_reach_the_newest_migration(tmp_path):
    app = _fresh(tmp_path)
    before = app.test_client().get("/readyz")
    with app.app_context():
        upgrade()
    after = app.test_client().get("/readyz")

    assert before.status_code == 503
    assert "flask db upgrade" in before.json["checks"]["migrations"]
    assert after.status_code == 200
    assert after.json == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "not used", "migrations": "ok"},
    }


def test_readiness_checks_redis_where_the_limits_live(tmp_path):
    app = _fresh(tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
    with app.app_context():
        upgrade()
    assert app.test_client().get("/readyz").json["checks"]["redis"] == "ok"


def test_unreachable_redis_makes_the_instance_not_ready(tmp_path):
    app = _fresh(tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        upgrade()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"].startswith("unreachable")


def test_unreachable_database_is_not_ready_and_names_no_connection_string(tmp_path):
    url = "postgresql://secretuser:secretpw@127.0.0.1:1/nothing"
    app = _fresh(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("unreachable")
    assert b"secretpw" not in response.data


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_never_rate_limited(tmp_path, path):
    app = _fresh(tmp_path)
    client = app.test_client()
    codes = {client.get(path).status_code for _ in range(100)}
    assert 429 not in codes
