"""The production stack, checked without Docker: compose.yaml against the Compose Specification's
JSON schema (vendored by check-jsonschema), its services, health checks and settings, and the
Dockerfile's promises (hash-checked install, no secret, not root)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from smp_hygiene.config import PRODUCTION_SETTINGS

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"
SECRETS = ("SECRET_KEY", "SMP_BACKUP_PASSPHRASE", "METRICS_TOKEN", "SMTP_PASSWORD")


@pytest.fixture(scope="module")
def stack() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_file_follows_the_compose_specification():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_compose_file(tmp_path):
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  app:\n    image: x\n    healthcheck: {interval: [1]}\n")
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(broken)],
        capture_output=True,
        check=False,
    )
    assert result.returncode != 0


def test_stack_has_the_app_its_database_redis_the_worker_and_a_migration_step(stack):
    assert set(stack["services"]) == {"db", "redis", "migrate", "app", "worker"}
    assert stack["services"]["migrate"]["command"][-2:] == ["db", "upgrade"]
    assert stack["services"]["worker"]["command"][-2:] == ["notifications", "worker"]


@pytest.mark.parametrize("service", ["db", "redis", "app", "worker"])
def test_every_long_running_service_has_a_health_check(stack, service):
    check = stack["services"][service]["healthcheck"]
    assert check["test"]
    assert check["interval"]


def test_app_is_healthy_only_when_ready(stack):
    assert "/readyz" in " ".join(stack["services"]["app"]["healthcheck"]["test"])


@pytest.mark.parametrize("service", ["app", "worker"])
def test_app_and_worker_start_after_migrations_on_a_healthy_database(stack, service):
    needs = stack["services"][service]["depends_on"]
    assert needs["migrate"]["condition"] == "service_completed_successfully"
    assert needs["db"]["condition"] == "service_healthy"
    assert needs["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", ["app", "worker", "migrate"])
def test_every_setting_production_requires_is_provided(stack, service):
    environment = stack["services"][service]["environment"]
    missing = [name for name in PRODUCTION_SETTINGS if not str(environment.get(name, "")).strip()]
    assert missing == []
    assert environment["APP_ENV"] == "production"


@pytest.mark.parametrize("secret", SECRETS)
def test_secrets_come_from_the_environment_not_the_file(stack, secret):
    value = stack["services"]["app"]["environment"][secret]
    assert re.fullmatch(r"\$\{" + secret + r"(:[?-][^}]*)?\}", value), value


def test_data_lives_in_named_volumes(stack):
    assert set(stack["volumes"]) == {"postgres-data", "redis-data", "signing-keys"}
    assert "postgres-data:/var/lib/postgresql/data" in stack["services"]["db"]["volumes"]
    assert "signing-keys:/app/instance" in stack["services"]["app"]["volumes"]


def test_app_port_is_only_for_a_reverse_proxy_on_the_host(stack):
    assert all(port.startswith("127.0.0.1:") for port in stack["services"]["app"]["ports"])


def test_image_installs_the_hashed_lock_runs_unprivileged_and_holds_no_secret():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert not re.search(r"SECRET_KEY|PASSWORD|PASSPHRASE|TOKEN", dockerfile)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"instance", ".env", ".git"} <= set(ignored)
