"""Loading what a seal covers: one session's graph through the ORM, and the consents and packs of
a batch of sessions (seal_rows.py reads the rest) in two queries, so checking a million seals is
a few thousand queries, not a few million."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Consent,
    InstrumentPack,
    PackUse,
    PatchTest,
    Steriliser,
    SteriliserCycle,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
)

SEALED_WITH = (
    selectinload(TreatmentSession.uses).options(
        joinedload(SupplyUse.lot).joinedload(SupplyLot.product),
        joinedload(SupplyUse.diluent_lot),
        joinedload(SupplyUse.patch_test).selectinload(PatchTest.products),
    ),
    selectinload(TreatmentSession.answers),
    selectinload(TreatmentSession.overrides),
)


@dataclass(frozen=True)
class SealInputs:
    """For a batch of sessions: the consent that cleared each, and the packs each opened (plain
    records with the attributes the seal reads, or the ORM objects themselves)."""

    consents: dict[int, Any] = field(default_factory=dict)
    pack_uses: dict[int, list[Any]] = field(default_factory=dict)


def load_sealed_graph(session: TreatmentSession) -> None:
    """Load what the seal reads for a session already in hand, in a few queries."""
    query = select(TreatmentSession).where(TreatmentSession.id == session.id)
    db.session.execute(query.options(*SEALED_WITH)).unique().all()


def seal_inputs(sessions: list[Any]) -> SealInputs:
    """The consents and packs of a batch in two queries, as plain records; each session gets what
    its own query would have found (its client's newest consent signed before it started)."""
    by_client: dict[int, list[Any]] = defaultdict(list)
    consents = db.session.connection().execute(
        select(Consent.id, Consent.client_id, Consent.template_id, Consent.signed_at)
        .add_columns(Consent.signature_sha256)
        .where(Consent.client_id.in_(bindparam("clients", expanding=True)))
        .order_by(Consent.signed_at.desc(), Consent.id.desc()),
        {"clients": sorted({s.client_id for s in sessions})},
    )
    for consent in consents.all():
        by_client[consent.client_id].append(consent)
    chosen = {
        s.id: next((c for c in by_client[s.client_id] if c.signed_at <= s.started_at), None)
        for s in sessions
    }
    return SealInputs(chosen, _pack_uses([s.id for s in sessions]))


def _pack_uses(session_ids: list[int]) -> dict[int, list[Any]]:
    """Each session's opened packs in scan order, with their load and steriliser."""
    packs: dict[int, list[Any]] = {session_id: [] for session_id in session_ids}
    rows = db.session.connection().execute(
        select(
            PackUse.session_id,
            PackUse.used_at,
            PackUse.used_by_id,
            PackUse.raw_barcode,
            InstrumentPack.code,
            InstrumentPack.contents,
            InstrumentPack.expires_on,
            *[c.label(f"cycle_{c.key}") for c in SteriliserCycle.__table__.columns],
            Steriliser.name.label("steriliser_name"),
            Steriliser.serial.label("steriliser_serial"),
        )
        .join(InstrumentPack, InstrumentPack.id == PackUse.pack_id)
        .join(SteriliserCycle, SteriliserCycle.id == InstrumentPack.cycle_id)
        .join(Steriliser, Steriliser.id == SteriliserCycle.steriliser_id)
        .where(PackUse.session_id.in_(bindparam("sessions", expanding=True)))
        .order_by(PackUse.id),
        {"sessions": session_ids},
    )
    for row in rows.all():
        packs[row.session_id].append(_pack_use(row._asdict()))
    return packs


def _pack_use(values: dict[str, Any]) -> SimpleNamespace:
    cycle = {key[6:]: values.pop(key) for key in list(values) if key.startswith("cycle_")}
    steriliser = SimpleNamespace(name=values.pop("steriliser_name"))
    steriliser.serial = values.pop("steriliser_serial")
    pack = SimpleNamespace(
        code=values.pop("code"),
        contents=values.pop("contents"),
        expires_on=values.pop("expires_on"),
        cycle=SimpleNamespace(**cycle, steriliser=steriliser),
    )
    return SimpleNamespace(**values, pack=pack)
