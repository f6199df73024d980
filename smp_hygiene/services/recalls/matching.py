"""Which received lots a recall notice's batch text names, and why: the auditor sees this first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import Product, RecallScope, SupplyLot
from smp_hygiene.services.lots.identity import (
    LotCandidate,
    in_range,
    lot_candidates,
    normalise_lot,
    range_bounds,
)


@dataclass(frozen=True)
class LotMatch:
    """A received lot the recall covers, and the reason it does."""

    lot: SupplyLot
    why: str


@dataclass(frozen=True)
class RecallMatch:
    """What the batch text was read as, what the recall will record, and the lots it blocks."""

    scope: RecallScope
    entries: list[tuple[str, list[LotCandidate]]]
    keys: list[str]
    matches: list[LotMatch]
    not_held: list[str]

    @property
    def lots(self) -> list[SupplyLot]:
        return [match.lot for match in self.matches]


def match_recall(product: Product, scope: RecallScope, given: list[str]) -> RecallMatch:
    """Read each line of the notice's batch text into lot codes, and find the lots held of them."""
    held = list(
        db.session.scalars(
            select(SupplyLot).where(SupplyLot.product_id == product.id).order_by(SupplyLot.id)
        )
    )
    if scope is RecallScope.PRODUCT:
        if given:
            raise InvalidInput("A whole-product recall names no lots.")
        return RecallMatch(scope, [], [], [LotMatch(lot, "the whole product") for lot in held], [])
    if scope is RecallScope.LOT_RANGE:
        return _match_range(scope, given, held)
    return _match_codes(scope, given, held)


def _match_range(scope: RecallScope, given: list[str], held: list[SupplyLot]) -> RecallMatch:
    keys = [normalise_lot(text) for text in given]
    prefix, low, high = range_bounds(keys)
    why = f"in the range {keys[0]} to {keys[1]}"
    matches = [LotMatch(lot, why) for lot in held if in_range(lot.lot_key, prefix, low, high)]
    return RecallMatch(scope, [], keys, matches, [])


def _match_codes(scope: RecallScope, given: list[str], held: list[SupplyLot]) -> RecallMatch:
    if scope is RecallScope.LOT and len(given) != 1:
        raise InvalidInput("Give exactly one lot number.")
    if not given:
        raise InvalidInput("Give at least one lot number.")
    entries = [(text, lot_candidates(text)) for text in given]
    if any(not candidates for _, candidates in entries):
        raise InvalidInput("A lot number needs at least one letter or digit.")
    # The first line to yield a code explains it: an earlier, plainer line is the likelier reading.
    by_key: dict[str, tuple[str, LotCandidate]] = {}
    for text, candidates in entries:
        for candidate in candidates:
            by_key.setdefault(candidate.key, (text, candidate))
    matches = [LotMatch(lot, _why(*by_key[lot.lot_key])) for lot in held if lot.lot_key in by_key]
    matched = {by_key[m.lot.lot_key][0] for m in matches}
    not_held = [text for text, _ in entries if text not in matched]
    return RecallMatch(scope, entries, list(by_key), matches, not_held)


def _why(text: str, candidate: LotCandidate) -> str:
    return f"{candidate.key}: {candidate.source} of “{text}”"
