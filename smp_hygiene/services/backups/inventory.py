"""What a database holds, counted the same way for the live database and for a copy of it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry


def count_rows(connection: Connection) -> dict[str, int]:
    """Rows per table of the schema, by table name."""
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
    }


def chain_heads(connection: Connection) -> list[dict[str, Any]]:
    """Each clinic's audit chain: its length, last entry id and that entry's hash."""
    audit = AuditEntry.__table__
    lengths = connection.execute(
        select(audit.c.clinic_id, func.count(), func.max(audit.c.id))
        .group_by(audit.c.clinic_id)
        .order_by(audit.c.clinic_id)
    ).all()
    heads = []
    for clinic_id, length, head_id in lengths:
        head_hash = connection.execute(
            select(audit.c.entry_hash).where(audit.c.id == head_id)
        ).scalar_one()
        heads.append(
            {"clinic_id": clinic_id, "length": length, "head_id": head_id, "head_hash": head_hash}
        )
    return heads


def describe(connection: Connection) -> dict[str, Any]:
    """Counts and chain heads together: the part of the manifest a restore must reproduce."""
    return {"tables": count_rows(connection), "chains": chain_heads(connection)}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
