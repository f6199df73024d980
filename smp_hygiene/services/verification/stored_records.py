"""The public record as made once and kept: one indexed lookup answers a patient's scan.

A sealed record does not change, but a few things beside it do: a recall of a lot it used, an
addendum, a void, a pack whose load a spore test later failed, a patch test read after the
session. `find_stored` looks those up in the same query as the token, so a page is served from
what was kept only while none of them applies; otherwise it is made from the database as before
(and not kept), so a recall opened a second ago shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from smp_hygiene import reads
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Addendum,
    CycleStatus,
    InstrumentPack,
    PackUse,
    PatchTest,
    PublicRecordRender,
    RecallLot,
    SessionStatus,
    SteriliserCycle,
    SupplyUse,
    TreatmentSession,
)
from smp_hygiene.services.verification import tokens

Session = TreatmentSession


@dataclass(frozen=True)
class Stored:
    """What the token's lookup found: the kept part asked for, if it may be served as it is."""

    session_id: int | None = None
    values: tuple = (None,)  # the kept parts asked for, or Nones: make them from the database
    is_live: bool = False  # something beside the seal changes the page: never keep it

    @property
    def value(self) -> Any:
        return self.values[0]

    @property
    def page(self) -> Any:
        """The kept page or PDF, unless something live must be shown on it."""
        return None if self.is_live else self.value


def _recalled() -> Any:
    return exists().where(
        SupplyUse.session_id == Session.id,
        or_(
            RecallLot.lot_id == SupplyUse.lot_id,
            RecallLot.lot_id == SupplyUse.diluent_lot_id,
        ),
    )


def _unread_patch_test() -> Any:
    return exists().where(
        SupplyUse.session_id == Session.id,
        PatchTest.id == SupplyUse.patch_test_id,
        PatchTest.read_at.is_(None),
    )


def _unsettled_pack() -> Any:
    """A pack whose cycle is not released yet, or whose load is quarantined, can still change."""
    return exists().where(
        PackUse.session_id == Session.id,
        InstrumentPack.id == PackUse.pack_id,
        SteriliserCycle.id == InstrumentPack.cycle_id,
        or_(
            SteriliserCycle.released_at.is_(None),
            SteriliserCycle.status == CycleStatus.QUARANTINED,
            InstrumentPack.quarantined_by_test_id.is_not(None),
        ),
    )


def _live() -> Any:
    return or_(
        Session.status != SessionStatus.COMPLETED,
        exists().where(Addendum.session_id == Session.id),
        _recalled(),
        _unread_patch_test(),
        _unsettled_pack(),
    )


_LOOKUPS: dict[tuple[str, ...], Any] = {}


def _lookup(parts: tuple[Any, ...]) -> Any:
    """The statement for these parts, built once: the patient page is the busiest request, and
    building five EXISTS clauses cost more than running them."""
    key = tuple(part.key for part in parts)
    if key not in _LOOKUPS:
        _LOOKUPS[key] = (
            select(
                Session.id,
                Session.status,
                _live().label("is_live"),
                PublicRecordRender.verify_url,
                PublicRecordRender.version,
                *parts,
            )
            .outerjoin(PublicRecordRender, PublicRecordRender.session_id == Session.id)
            .where(Session.verify_token == bindparam("token"))
        )
    return _LOOKUPS[key]


def find_stored(token: str, verify_url: str, version: str, *parts: Any) -> Stored:
    """One query: the sealed session a token names, whether anything live touches it, and the
    kept `parts` (PublicRecordRender columns) if made for this card and these templates."""
    if not tokens.could_be_token(token):
        return Stored()
    # A Core connection, not the ORM session, and no transaction: this is the busiest query there
    # is, and the session machinery cost more than the query (docs/benchmarks.md).
    with reads.one_statement() as connection:
        row = connection.execute(_lookup(parts), {"token": token}).first()
    if row is None or row.status is SessionStatus.IN_PROGRESS:
        return Stored()
    fresh = row.verify_url == verify_url and row.version == version
    values = tuple(row[5:]) if fresh else (None,) * len(parts)
    return Stored(row.id, values, bool(row.is_live))


def keep(stored: Stored, verify_url: str, version: str, *, pages: bool, **parts: Any) -> None:
    """Keep what was just made: QR images always, a page or PDF (`pages`) only for a record with
    nothing live. A concurrent first view may have kept it already, which is as good."""
    if stored.session_id is None or (pages and stored.is_live):
        return
    row = db.session.get(PublicRecordRender, stored.session_id)
    if row is not None and (row.verify_url, row.version) != (verify_url, version):
        db.session.delete(row)  # made for an older card or older templates: start again
        db.session.flush()
        row = None
    if row is not None:
        for name, value in parts.items():
            setattr(row, name, value)
        return
    values = {"session_id": stored.session_id, "verify_url": verify_url, "version": version}
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(PublicRecordRender).values(**values, **parts).on_conflict_do_nothing()
    )


def forget(session_ids: Any) -> None:
    """Drop what was kept for these sessions (a select of ids or a list): their page changed in a
    way `find_stored` cannot see, such as a client's erasure."""
    db.session.execute(
        delete(PublicRecordRender).where(PublicRecordRender.session_id.in_(session_ids))
    )
