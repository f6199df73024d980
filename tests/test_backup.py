"""`backup` and `restore`: a round trip loses no row, and the chain, seals and keys still work."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select, text, update

from smp_hygiene.app import create_app
from smp_hygiene.errors import BackupRefused
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic
from smp_hygiene.services.audit import verifying
from smp_hygiene.services.backups import inventory, keys, operations
from smp_hygiene.services.sessions import sealing
from smp_hygiene.services.verification import signing, tokens
from tests.conftest import POSTGRES_ADMIN_URL
from tests.factories import make_clinic, make_sealed_session

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def backed_up(app, tmp_path, monkeypatch):
    """Two clinics with sealed sessions and cards, backed up into tmp_path/backup."""
    monkeypatch.setenv(keys.PASSPHRASE_ENV, PASSPHRASE)
    with app.test_request_context():
        for _ in range(2):
            clinic = make_clinic()
            for _ in range(2):
                session = make_sealed_session(clinic)
                db.session.refresh(session)
                session.sealed_digest = sealing.digest(session)  # a real seal, not the stand-in
                tokens.issue_verification_token(session)
        db.session.commit()
        assert sealing.verify_seals().checked == 4
        assert sealing.verify_seals().ok
        before = inventory.describe(db.session.connection())
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    return {"folder": tmp_path / "backup", "before": before}


@pytest.fixture(scope="module")
def postgres_target():
    """PostgreSQL's restore target: one database for the module, blanked by each test's `target`
    (dropping a database makes PostgreSQL checkpoint, which takes seconds on a busy server)."""
    import psycopg

    name = f"smp_restore_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def target(app, tmp_path, request):
    """A second app on a fresh, empty database of the same kind, with its own key folder."""
    url = "sqlite://"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        url = request.getfixturevalue("postgres_target")
    other = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": url})
    other.instance_path = str(tmp_path / "target")
    with other.app_context():
        if url != "sqlite://":  # what an earlier test restored goes, tables and all
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_restore_loses_no_row_and_the_chains_seals_and_keys_still_work(backed_up, target):
    runner = target.test_cli_runner()

    result = runner.invoke(args=["restore", str(backed_up["folder"])])

    assert result.exit_code == 0, result.output
    assert "chains and seals verified" in result.output
    with target.test_request_context():
        assert inventory.describe(db.session.connection()) == backed_up["before"]
        assert all(report.ok for report in verifying.verify_every_clinic())
        assert sealing.verify_seals().ok
        for clinic in db.session.scalars(select(Clinic)):
            assert signing.sign_text(clinic, "a new card")["signature"]


def test_the_manifest_names_counts_chain_heads_keys_and_digests(backed_up):
    manifest = json.loads((backed_up["folder"] / "manifest.json").read_text())

    assert manifest["tables"] == backed_up["before"]["tables"]
    assert manifest["chains"] == backed_up["before"]["chains"]
    assert len(manifest["chains"]) == 2
    assert len(manifest["key_ids"]) == 2
    assert set(manifest["files"]) == {"keys.enc", manifest_data_file(manifest)}


def manifest_data_file(manifest):
    return "database.dump" if manifest["database"] == "postgresql" else "database.sqlite3"


@pytest.mark.parametrize(
    "wrong", ["correct horse battery stapl", "CORRECT HORSE BATTERY STAPLE", "x" * 64]
)
def test_a_wrong_passphrase_refuses_and_restores_nothing(backed_up, target, wrong):
    with target.app_context():
        with pytest.raises(BackupRefused, match="The backup passphrase is wrong"):
            operations.restore_backup(backed_up["folder"], wrong)

        assert sum(inventory.count_rows(db.session.connection()).values()) == 0


def test_a_non_empty_database_is_not_overwritten_without_force(backed_up, target):
    with target.app_context():
        make_clinic()
        db.session.commit()

        with pytest.raises(
            BackupRefused, match=r"The database is not empty \(1 rows\): restore with --force"
        ):
            operations.restore_backup(backed_up["folder"], PASSPHRASE)


def test_force_overwrites_a_non_empty_database(backed_up, target):
    with target.app_context():
        make_clinic()
        db.session.commit()

    result = target.test_cli_runner().invoke(args=["restore", "--force", str(backed_up["folder"])])

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", ["keys.enc", "database"])
def test_a_changed_backup_file_fails_verification(backed_up, app, name):
    manifest = json.loads((backed_up["folder"] / "manifest.json").read_text())
    name = manifest_data_file(manifest) if name == "database" else name
    path = backed_up["folder"] / name
    path.write_bytes(path.read_bytes() + b"\0")

    result = app.test_cli_runner().invoke(args=["backup", "--verify", str(backed_up["folder"])])

    assert result.exit_code == 1
    assert f"{name} is missing or changed since the backup was written." in result.output


def test_a_backup_verifies_as_written(backed_up, app):
    result = app.test_cli_runner().invoke(args=["backup", "--verify", str(backed_up["folder"])])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")


@pytest.mark.parametrize("passphrase", [None, "", "short", "elevenchars"])
def test_a_backup_needs_a_passphrase_of_twelve_characters(app, tmp_path, monkeypatch, passphrase):
    if passphrase is None:
        monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    else:
        monkeypatch.setenv(keys.PASSPHRASE_ENV, passphrase)

    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])

    assert result.exit_code == 1
    assert "Set SMP_BACKUP_PASSPHRASE to a passphrase of at least 12 characters." in result.output
    assert not (tmp_path / "b").exists()


def test_a_wrong_passphrase_on_the_command_line_exits_1_naming_it(backed_up, target, monkeypatch):
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "not the passphrase at all")

    result = target.test_cli_runner().invoke(args=["restore", str(backed_up["folder"])])

    assert result.exit_code == 1
    assert "The backup passphrase is wrong (or keys.enc was changed): nothing was restored." in (
        result.output
    )


def test_a_restore_names_an_audit_chain_that_no_longer_walks(app, tmp_path, monkeypatch, target):
    monkeypatch.setenv(keys.PASSPHRASE_ENV, PASSPHRASE)
    with app.test_request_context():
        clinic = make_clinic()
        tokens.issue_verification_token(make_sealed_session(clinic))
        db.session.execute(update(AuditEntry).where(AuditEntry.id == 1).values(action="edited"))
        db.session.commit()
        operations.write_backup(tmp_path / "tampered", PASSPHRASE)

    with (
        target.app_context(),
        pytest.raises(BackupRefused, match=r"Restored, but clinic #1's audit"),
    ):
        operations.restore_backup(tmp_path / "tampered", PASSPHRASE)


def test_a_key_whose_private_half_is_missing_is_named_when_backing_up(app, tmp_path, monkeypatch):
    monkeypatch.setenv(keys.PASSPHRASE_ENV, PASSPHRASE)
    with app.test_request_context():
        key = signing.ensure_clinic_key(make_clinic())
        db.session.commit()
        (signing.key_dir() / f"{key.key_id}.pem").unlink()

    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])

    assert result.exit_code == 0, result.output
    assert f"WARNING: the private key {key.key_id} was not found and is not in the backup." in (
        result.output
    )
