"""Loading what a seal covers for many sessions at once: the uses with their lots, products and
patch tests, the answers and warnings, and the consents and packs, in a fixed number of queries
per batch, so checking a million seals is a few thousand queries, not a few million."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Consent,
    InstrumentPack,
    PackUse,
    PatchTest,
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
    """For a batch of sessions: the consent that cleared each, and the packs each opened."""

    consents: dict[int, Consent | None] = field(default_factory=dict)
    pack_uses: dict[int, list[PackUse]] = field(default_factory=dict)


def load_sealed_graph(session: TreatmentSession) -> None:
    """Load what the seal reads for a session already in hand, in a few queries."""
    query = select(TreatmentSession).where(TreatmentSession.id == session.id)
    db.session.execute(query.options(*SEALED_WITH)).unique().all()


def sealed_batch(after_id: int, size: int) -> list[TreatmentSession]:
    """The next `size` sealed sessions by id, whatever their status, with what the seal covers."""
    query = (
        select(TreatmentSession)
        .where(TreatmentSession.sealed_digest.is_not(None), TreatmentSession.id > after_id)
        .order_by(TreatmentSession.id)
        .limit(size)
        .options(*SEALED_WITH)
    )
    return list(db.session.scalars(query).unique())


def seal_inputs(sessions: list[TreatmentSession]) -> SealInputs:
    """The consents and packs of a batch in two queries; each session gets what its own query
    would have found (its client's newest consent signed before it started)."""
    by_client: dict[int, list[Consent]] = defaultdict(list)
    consents = db.session.scalars(
        select(Consent)
        .where(Consent.client_id.in_({s.client_id for s in sessions}))
        .order_by(Consent.signed_at.desc(), Consent.id.desc())
    )
    for consent in consents:
        by_client[consent.client_id].append(consent)
    chosen = {
        s.id: next((c for c in by_client[s.client_id] if c.signed_at <= s.started_at), None)
        for s in sessions
    }
    packs: dict[int, list[PackUse]] = {s.id: [] for s in sessions}
    uses = db.session.scalars(
        select(PackUse)
        .where(PackUse.session_id.in_(list(packs)))
        .options(
            joinedload(PackUse.pack)
            .joinedload(InstrumentPack.cycle)
            .joinedload(SteriliserCycle.steriliser)
        )
        .order_by(PackUse.id)
    )
    for use in uses:
        packs[use.session_id].append(use)
    return SealInputs(chosen, packs)
