"""Tampering with the audit trail, tried through `audit-verify` as an operator would run it.

Each clinic has its own chain; `audit-checkpoint` signs where each chain stands and writes it
outside the database. The attacker here holds database write access, not the signing key.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic
from smp_hygiene.services.audit import chain, checkpoints
from smp_hygiene.services.verification import signing
from smp_hygiene.timeutil import utcnow
from tests.factories import make_client, make_clinic, make_user


@pytest.fixture
def clinics(app):
    """Two clinics with signing keys and a few audit entries each: (id of A, id of B)."""
    with app.app_context():
        ids = []
        for name in ("Alpha Ink", "Beta Scalp"):
            clinic = make_clinic(name=name)
            signing.ensure_clinic_key(clinic)
            actor = make_user(clinic=clinic)
            for _ in range(4):
                chain.record(actor, "client.registered", make_client(clinic=clinic))
            ids.append(clinic.id)
        db.session.commit()
    return tuple(ids)


def _verify(app, *args):
    return app.test_cli_runner().invoke(args=["audit-verify", *args])


def _checkpoint(app, tmp_path):
    archive = tmp_path / "archive" / "checkpoints.jsonl"
    result = app.test_cli_runner().invoke(args=["audit-checkpoint", "--out", str(archive)])
    assert result.exit_code == 0, result.output
    return archive


def _chain_of(clinic_id: int) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.clinic_id == clinic_id).order_by(AuditEntry.id)
    return list(db.session.scalars(stmt))


def _forge(clinic_id: int, **fields) -> AuditEntry:
    """Append an entry as the application would, with its own hash function."""
    tail = _chain_of(clinic_id)[-1]
    values = {
        "actor_id": None, "actor_label": "system", "action": "patch_test.read",
        "entity_type": "PatchTest", "entity_id": "1", "before": "null",
        "after": '{"result":"negative"}', **fields,
    }  # fmt: skip
    entry = AuditEntry(clinic_id=clinic_id, prev_hash=tail.entry_hash, **values)
    entry.entry_hash = chain.entry_hash(entry)
    db.session.add(entry)
    db.session.commit()
    return entry


def _rewrite_and_rehash(entry_id: int, clinic_id: int) -> None:
    """Change one entry, then recompute its hash and every later link, as a thorough forger."""
    prev = chain.GENESIS
    for entry in _chain_of(clinic_id):
        if entry.id == entry_id:
            entry.actor_label = "someone else"
        if entry.id >= entry_id:
            entry.prev_hash = prev
            entry.entry_hash = chain.entry_hash(entry)
        prev = entry.entry_hash
    db.session.commit()


def test_an_untouched_trail_extends_its_checkpoint(app, clinics, tmp_path):
    archive = _checkpoint(app, tmp_path)

    result = _verify(app, "--checkpoint", str(archive))

    assert result.exit_code == 0, result.output
    assert f"OK: clinic #{clinics[0]} (Alpha Ink)" in result.output
    assert "extend every checkpoint" in result.output


def test_deleting_the_newest_entries_after_a_checkpoint_is_caught(app, clinics, tmp_path):
    archive = _checkpoint(app, tmp_path)
    with app.app_context():
        newest = [e.id for e in _chain_of(clinics[0])][-2:]
        db.session.execute(text(f"DELETE FROM audit_entry WHERE id IN ({newest[0]}, {newest[1]})"))
        db.session.commit()

    result = _verify(app, "--checkpoint", str(archive))

    assert result.exit_code == 1
    assert f"clinic #{clinics[0]} (Alpha Ink)" in result.stderr
    assert f"entry {newest[1]}, the head signed at" in result.stderr
    assert "Beta Scalp" not in result.stderr


def test_a_forged_backdated_entry_after_a_checkpoint_is_caught(app, clinics, tmp_path):
    archive = _checkpoint(app, tmp_path)
    with app.app_context():
        forged = _forge(clinics[0], at=utcnow() - timedelta(days=3)).id

    result = _verify(app, "--checkpoint", str(archive))

    assert result.exit_code == 1
    assert f"clinic #{clinics[0]} (Alpha Ink)" in result.stderr
    assert f"entry {forged} is dated" in result.stderr
    assert "was added afterwards" in result.stderr


def test_without_a_checkpoint_a_forged_appended_entry_passes(app, clinics):
    # The chain is unkeyed: its hash is public, so an appended entry with a correct hash that
    # names a record which really exists looks real (one naming a missing record is caught by
    # the database cross-check). This is why operators checkpoint (docs/audit-chain.md).
    with app.app_context():
        _forge(
            clinics[0],
            at=utcnow() - timedelta(days=3),
            action="clinic.settings_changed",
            entity_type="Clinic",
            entity_id=str(clinics[0]),
        )

    assert _verify(app).exit_code == 0


def test_rewriting_an_entry_and_rehashing_the_rest_is_caught(app, clinics, tmp_path):
    archive = _checkpoint(app, tmp_path)
    with app.app_context():
        victim = _chain_of(clinics[0])[1]
        _rewrite_and_rehash(victim.id, clinics[0])
        head = _chain_of(clinics[0])[-1].id

    plain, pinned = _verify(app), _verify(app, "--checkpoint", str(archive))

    assert plain.exit_code == 0  # internally consistent again: only the checkpoint can tell
    assert pinned.exit_code == 1
    assert f"clinic #{clinics[0]} (Alpha Ink)" in pinned.stderr
    assert f"entry {head} no longer has the hash signed at" in pinned.stderr


def test_a_break_in_one_clinics_chain_names_only_that_clinic(app, clinics):
    with app.app_context():
        victim = _chain_of(clinics[0])[2].id
        db.session.execute(
            text("UPDATE audit_entry SET action = 'x' WHERE id = :id"), {"id": victim}
        )
        db.session.commit()

    result = _verify(app)

    assert result.exit_code == 1
    assert f"BROKEN: clinic #{clinics[0]} (Alpha Ink): audit entry {victim} was changed" in (
        result.stderr
    )
    assert f"OK: clinic #{clinics[1]} (Beta Scalp)" in result.output
    assert "Beta Scalp" not in result.stderr


@pytest.mark.parametrize(
    ("field", "value"),
    [("clinic_id", 999), ("entries", 1), ("head_entry_id", 1), ("head_hash", "0" * 64),
     ("signed_at", "2020-01-01T00:00:00+00:00"), ("format", "x")],
)  # fmt: skip
def test_a_checkpoints_signature_fails_if_any_field_changes(app, clinics, field, value):
    with app.app_context():
        checkpoint = checkpoints.sign_checkpoint(db.session.get(Clinic, clinics[0]))
        assert checkpoints.signature_problem(checkpoint) == ""

        altered = {**checkpoint, field: value}

        assert checkpoints.signature_problem(altered) != ""


def test_a_checkpoint_verifies_with_the_published_key(app, clinics):
    with app.app_context():
        checkpoint = checkpoints.sign_checkpoint(db.session.get(Clinic, clinics[1]))
        published = signing.keys_document()["keys"]

    key = next(k for k in published if k["key_id"] == checkpoint["key_id"])
    assert key["clinic_id"] == checkpoint["clinic_id"] == clinics[1]
    message = signing.canonical_json({f: checkpoint[f] for f in checkpoints.SIGNED_FIELDS})
    from_b64 = signing.signed_codes.b64d
    assert signing.signed_codes.signature_matches(
        from_b64(key["public_key"]), message.encode(), from_b64(checkpoint["signature"])
    )


def test_the_well_known_document_carries_each_clinics_newest_checkpoint(app, clinics, tmp_path):
    archive = _checkpoint(app, tmp_path)

    document = app.test_client().get("/.well-known/smp-hygiene-checkpoints.json").get_json()

    assert document["checkpoints"] == [
        json.loads(line) for line in archive.read_text().splitlines()
    ]
    assert [c["clinic_id"] for c in document["checkpoints"]] == list(clinics)


def test_a_saved_copy_of_the_well_known_document_pins_the_chain(app, clinics, tmp_path):
    _checkpoint(app, tmp_path)
    saved = tmp_path / "inspector-copy.json"
    saved.write_text(app.test_client().get("/.well-known/smp-hygiene-checkpoints.json").text)
    with app.app_context():
        newest = _chain_of(clinics[1])[-1].id
        db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": newest})
        db.session.commit()

    result = _verify(app, "--checkpoint", str(saved))

    assert result.exit_code == 1
    assert f"clinic #{clinics[1]} (Beta Scalp)" in result.stderr
