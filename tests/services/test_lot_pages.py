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
from tests.factories import (
    make_client,
    make_clinic,
    make_lot,
    make_session,
    make_use,
    make_user,
)


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
    return [row.id for row in traceability.trace_lot(lot.product.clinic, search, **listing).items]


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

    assert [row.id for row in first.items + last.items] == used
    assert (first.has_next, last.has_next, last.has_prev) == (True, False, True)


@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("descending", [True, False])
def test_a_page_after_the_last_session_shown_is_the_next_page(traced, monkeypatch, big, descending):
    lot, _ = traced
    monkeypatch.setattr(lot_pages, "SMALL_LOT_USES", 0 if big else 2_000)
    search = LotSearch(lot_number=lot.lot_number)
    listing = {"per_page": 3, "descending": descending}

    first = traceability.trace_lot(lot.product.clinic, search, page=1, **listing)
    after = traceability.trace_lot(lot.product.clinic, search, page=2, after=first.after, **listing)
    by_offset = traceability.trace_lot(lot.product.clinic, search, page=2, **listing)

    assert first.after == first.items[-1].id
    assert [row.id for row in after.items] == [row.id for row in by_offset.items]
    assert (after.page, after.has_next) == (2, True)


def test_a_page_after_another_clinics_session_is_empty(traced):
    lot, _ = traced
    other_clinic = make_clinic()
    elsewhere = make_session(
        make_client(other_clinic), make_user(clinic=other_clinic), utcnow() + timedelta(days=1)
    )
    search = LotSearch(lot_number=lot.lot_number)

    page = traceability.trace_lot(lot.product.clinic, search, after=elsewhere.id, per_page=3)

    assert elsewhere.clinic_id != lot.clinic_id
    assert (page.items, page.has_next) == ([], False)


def test_other_orders_page_by_number_and_name_no_session_to_continue_after(traced):
    lot, _ = traced
    search = LotSearch(lot_number=lot.lot_number)

    page = traceability.trace_lot(lot.product.clinic, search, sort="client", per_page=3)

    assert page.has_next
    assert page.after is None
