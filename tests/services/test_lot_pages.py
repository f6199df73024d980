"""A big lot's sessions are found by walking the clinic's sessions in date order, a small lot's
from its uses: both give the same pages, in the same order, without counting every match."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smp_hygiene.models import ProductKind
from smp_hygiene.services.traceability import lot_pages
from smp_hygiene.services.traceability import lots as traceability
from smp_hygiene.services.traceability.lots import LotSearch
from smp_hygiene.timeutil import utcnow
from tests.factories import make_lot, make_session, make_use


@pytest.fixture
def traced(ctx):
    """A lot in 7 of 10 sessions a day apart (once as a diluent only); another lot in all."""
    lot, other = make_lot(), make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    sessions = [make_session(started_at=utcnow() - timedelta(days=n)) for n in range(10)]
    for n, session in enumerate(sessions):
        make_use(session, other)
        if n % 3 != 1:
            make_use(session, lot)
    make_use(sessions[1], make_lot(), diluent_lot=lot)
    return lot, sessions


def _pages(lot, **listing):
    search = LotSearch(lot_number=lot.lot_number)
    return [
        row.session.id
        for row in traceability.trace_lot(lot.product.clinic, search, **listing).items
    ]


@pytest.mark.parametrize(
    "listing",
    [
        {"page": 1, "per_page": 3},
        {"page": 2, "per_page": 3},
        {"page": 3, "per_page": 3},
        {"page": 1, "per_page": 3, "descending": False},
        {"page": 1, "per_page": None},
    ],
)
def test_a_big_lot_pages_like_a_small_one(traced, monkeypatch, listing):
    lot, _ = traced
    small = _pages(lot, **listing)

    monkeypatch.setattr(lot_pages, "SMALL_LOT_USES", 0)
    big = _pages(lot, **listing)

    assert big == small
    assert small


def test_pages_are_newest_first_and_say_whether_another_follows(traced):
    lot, sessions = traced
    search = LotSearch(lot_number=lot.lot_number)
    used = [s.id for n, s in enumerate(sessions) if n % 3 != 1 or n == 1]

    first = traceability.trace_lot(lot.product.clinic, search, page=1, per_page=5)
    last = traceability.trace_lot(lot.product.clinic, search, page=2, per_page=5)

    assert [row.session.id for row in first.items + last.items] == used
    assert (first.has_next, last.has_next, last.has_prev) == (True, False, True)
