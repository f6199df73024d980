"""Loading sterilisation records named in a URL: only ever those of the signed-in user's clinic."""

from __future__ import annotations

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BiologicalIndicatorTest,
    InstrumentPack,
    Steriliser,
    SteriliserCycle,
)
from smp_hygiene.views.loading import own_or_404


def own_steriliser(steriliser_id: int) -> Steriliser:
    return own_or_404(Steriliser, steriliser_id)


def own_cycle(cycle_id: int) -> SteriliserCycle:
    """Cycles carry no clinic of their own: their steriliser's says whose they are."""
    found = db.get_or_404(SteriliserCycle, cycle_id)
    own_steriliser(found.steriliser_id)
    return found


def own_spore_test(test_id: int) -> BiologicalIndicatorTest:
    found = db.get_or_404(BiologicalIndicatorTest, test_id)
    own_steriliser(found.steriliser_id)
    return found


def own_pack(pack_id: int) -> InstrumentPack:
    found = db.get_or_404(InstrumentPack, pack_id)
    own_cycle(found.cycle_id)
    return found
