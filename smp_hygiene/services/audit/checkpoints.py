"""Signed checkpoints: a clinic's chain length and head hash, signed with its Ed25519 key and
kept outside the database (an archived JSONL file, the public well-known document), so that
truncating or rewriting the chain afterwards no longer goes unnoticed (docs/audit-chain.md)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic, SigningKey
from smp_hygiene.services.audit.chain import lock_clinic_chain
from smp_hygiene.services.audit.verifying import count_entries_up_to, verify_clinic_chain
from smp_hygiene.services.verification import signed_codes, signing
from smp_hygiene.timeutil import utcnow

FORMAT = "smp-hygiene-checkpoint/1"
SIGNED_FIELDS = ("format", "clinic_id", "entries", "head_entry_id", "head_hash", "signed_at")
# An entry written in a transaction still open when the checkpoint was signed can commit just
# after it, dated just before it. Anything dated earlier than this and not covered is forged.
CLOCK_GRACE = timedelta(minutes=5)


def sign_checkpoint(clinic: Clinic) -> dict[str, Any]:
    """Walk the clinic's chain in full and sign where it stands; a broken chain is not signed."""
    lock_clinic_chain(clinic.id)  # PostgreSQL: appends in flight commit first, later ones wait
    report = verify_clinic_chain(clinic, full=True)
    if not report.ok:
        raise InvalidInput(f"{clinic.name}'s audit chain is broken: {report.problem}.")
    body = {
        "format": FORMAT,
        "clinic_id": clinic.id,
        "entries": report.entries,
        "head_entry_id": report.head_id,
        "head_hash": report.head_hash,
        "signed_at": utcnow().isoformat(timespec="seconds"),
    }
    return {**body, "clinic": clinic.name, **signing.sign_text(clinic, _message(body))}


def _message(checkpoint: dict[str, Any]) -> str:
    """The signed bytes: the signed fields only, in one canonical JSON form."""
    return signing.canonical_json({field: checkpoint.get(field) for field in SIGNED_FIELDS})


def signature_problem(checkpoint: dict[str, Any]) -> str:
    """Why the checkpoint's signature does not hold with its clinic's published key, or ''."""
    key = db.session.scalars(
        select(SigningKey).where(SigningKey.key_id == str(checkpoint.get("key_id")))
    ).first()
    if key is None or key.clinic_id != checkpoint.get("clinic_id"):
        return f"it is signed with key {checkpoint.get('key_id')}, not one of the clinic's keys"
    try:
        public, signature = (
            signed_codes.b64d(key.public_key),
            signed_codes.b64d(checkpoint["signature"]),
        )
    except (signed_codes.BadCode, KeyError):
        return "its signature is missing or malformed"
    if not signed_codes.signature_matches(public, _message(checkpoint).encode(), signature):
        return "its signature does not verify: the checkpoint was altered after signing"
    return ""


def chain_problem(checkpoint: dict[str, Any]) -> str:
    """Why the clinic's chain no longer extends the checkpoint, or ''."""
    clinic_id, head_id, signed_at = (
        checkpoint["clinic_id"],
        checkpoint["head_entry_id"],
        checkpoint["signed_at"],
    )
    if head_id is None:
        return _forged_after(clinic_id, 0, signed_at)
    head = db.session.get(AuditEntry, head_id)
    if head is None or head.clinic_id != clinic_id:
        return f"entry {head_id}, the head signed at {signed_at}, is gone: entries were deleted"
    if head.entry_hash != checkpoint["head_hash"]:
        return (
            f"entry {head_id} no longer has the hash signed at {signed_at}: the chain was rewritten"
        )
    position = count_entries_up_to(clinic_id, head_id)
    if position != checkpoint["entries"]:
        return (
            f"entry {head_id} was entry {checkpoint['entries']} when signed at {signed_at}, "
            f"now it is entry {position}: entries before it were deleted or inserted"
        )
    return _forged_after(clinic_id, head_id, signed_at)


def _forged_after(clinic_id: int, head_id: int, signed_at: str) -> str:
    """An entry after the signed head, dated before the signature, was not there when signed."""
    cutoff = datetime.fromisoformat(signed_at) - CLOCK_GRACE
    backdated = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.clinic_id == clinic_id, AuditEntry.id > head_id, AuditEntry.at < cutoff)
        .order_by(AuditEntry.id)
        .limit(1)
    ).first()
    if backdated is None:
        return ""
    return (
        f"entry {backdated.id} is dated {backdated.at:%Y-%m-%d %H:%M}, before the checkpoint "
        f"signed at {signed_at}, yet was not in it: it was added afterwards"
    )


def checkpoint_problem(checkpoint: dict[str, Any]) -> str:
    """Why the chain does not extend this signed checkpoint (bad signature first), or ''."""
    return signature_problem(checkpoint) or chain_problem(checkpoint)


def published_file() -> Path:
    """The archive the server appends to and publishes: AUDIT_CHECKPOINT_FILE, or the instance's."""
    configured = current_app.config.get("AUDIT_CHECKPOINT_FILE")
    return (
        Path(configured)
        if configured
        else Path(current_app.instance_path) / "audit-checkpoints.jsonl"
    )


def append_checkpoint(path: Path, checkpoint: dict[str, Any]) -> None:
    """Add one checkpoint as one JSON line; earlier lines are never rewritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(checkpoint, sort_keys=True) + "\n")


def read_checkpoints(path: Path) -> list[dict[str, Any]]:
    """Checkpoints from a JSONL archive, or from a saved copy of the well-known document."""
    text = path.read_text(encoding="utf-8")
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return list(whole.get("checkpoints", [whole])) if isinstance(whole, dict) else list(whole)


def checkpoints_document() -> dict[str, Any]:
    """Each clinic's newest signed checkpoint, for `/.well-known/smp-hygiene-checkpoints.json`."""
    path = published_file()
    newest: dict[int, dict[str, Any]] = {}
    for checkpoint in read_checkpoints(path) if path.exists() else []:
        newest[checkpoint["clinic_id"]] = checkpoint  # the file is in signing order
    return {
        "format": "smp-hygiene-checkpoints/1",
        "published_at": utcnow().isoformat(timespec="seconds"),
        "checkpoints": [newest[clinic_id] for clinic_id in sorted(newest)],
    }
