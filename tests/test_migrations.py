"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db


@pytest.fixture
def migrated_app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}",
        }
    )
    with app.app_context():
        upgrade()
        yield app
        db.engine.dispose()


def test_migrations_create_every_table_the_models_declare(migrated_app):
    tables = set(inspect(db.engine).get_table_names())

    assert set(db.metadata.tables) <= tables


def test_models_and_migrations_agree(migrated_app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)

    assert differences == [], "a model changed without a migration: run `flask db migrate`"


def _leading_columns(table: str) -> set[str]:
    return {index["column_names"][0] for index in inspect(db.engine).get_indexes(table)}


def test_recall_queries_are_backed_by_indexes(migrated_app):
    # lot -> sessions (also through diluted doses), session -> uses, client -> sessions
    assert {"lot_id", "diluent_lot_id", "session_id"} <= _leading_columns("supply_use")
    assert "client_id" in _leading_columns("treatment_session")
    assert "lot_key" in _leading_columns("supply_lot")


def test_migrations_are_numbered_in_chain_order():
    migrations = Path(__file__).resolve().parent.parent / "migrations"
    config = Config(str(migrations / "alembic.ini"))
    config.set_main_option("script_location", str(migrations))
    chain = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))

    assert [int(script.revision) for script in chain] == list(range(1, len(chain) + 1))
    assert all(Path(s.path).name.startswith(f"{s.revision}_") for s in chain)


def test_existing_clinics_keep_their_patch_test_wait_through_the_rename(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite3'}",
        }
    )
    with app.app_context():
        upgrade(revision="0002")
        db.session.execute(
            text(
                "INSERT INTO clinic (name, address, phone, email, jurisdiction, "
                "patch_test_min_hours, patch_test_valid_days, patch_test_mode, healing_gap_days, "
                "requires_eu_ink_label, retention_years, timezone, created_at, "
                "reaction_notice_hours) VALUES ('A', '', '', '', 'EU', 72, 180, 'block', 5, 0, 5, "
                "'UTC', '2026-01-01', 24)"
            )
        )
        db.session.commit()

        upgrade()

        wait, per_lot = db.session.execute(
            text("SELECT patch_test_wait_hours, is_patch_test_per_lot FROM clinic")
        ).one()
        db.engine.dispose()
    assert (wait, bool(per_lot)) == (72, False)
