"""Configuration comes from the environment, and production never runs without a secret."""

from __future__ import annotations

import pytest

from smp_hygiene import config
from smp_hygiene.app import create_app


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set outside development"):
        create_app(
            {"APP_ENV": "production", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
        )


def test_development_keeps_a_generated_key_in_the_instance_folder(tmp_path):
    first = config._development_secret(tmp_path)

    second = config._development_secret(tmp_path)

    assert first == second
    assert len(first) == 64
    assert (tmp_path / "dev-secret-key").stat().st_mode & 0o077 == 0  # owner-only


def test_a_postgres_url_from_the_environment_uses_psycopg_3():
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgres://u@h/db"})

    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
