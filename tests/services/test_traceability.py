"""Traceability: by lot, by client, by technician; sorted, paginated, constant query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import ChecklistAnswer, Clinic, ProductKind
from smp_hygiene.services import listing
from smp_hygiene.services.lots.identity import normalise_lot
from smp_hygiene.services.recalls import operations
from smp_hygiene.services.traceability import client_history, technician_activity
from smp_hygiene.services.traceability import lots as traceability
from smp_hygiene.services.traceability.lots import LotSearch
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    make_checklist,
    make_client,
    make_clinic,
    make_lot,
    make_patch_test,
    make_product,
    make_recall,
    make_refusal,
    make_session,
    make_use,
    make_user,
)
from tests.queries import count_queries


def _by_lot(clinic, **search):
    return traceability.trace_lot(clinic, LotSearch(**search))


@pytest.mark.parametrize(
    "typed", ["D199", "d199", "Lot-Nr. D 199", "LOT: D-199", "batch no. d 199"]
)
def test_normalised_lot_numbers_match_the_stored_key(typed):
    assert normalise_lot(typed) == "D199"


def test_auditor_can_find_every_session_and_client_that_used_a_lot(ctx):
    lot = make_lot(lot_number="D199")
    client = make_client(phone="+44 7700 900123", email="alex@example.test")
    used = make_session(client)
    make_use(used, lot)
    make_use(make_session(), make_lot(product=lot.product, lot_number="D200"))

    page = _by_lot(client.clinic, lot_number="lot d 199")

    assert [row.id for row in page.items] == [used.id]
    assert page.items[0].phone == "+44 7700 900123"
    assert [use.label for use in page.items[0].lots] == [f"{lot.product.title} lot D199"]


def test_a_diluent_lot_traces_to_the_sessions_that_diluted_with_it(ctx):
    water = make_lot(kind=ProductKind.OTHER)
    session = make_session()
    make_use(session, make_lot(), diluent_lot=water)

    page = _by_lot(session.clinic, lot_number=water.lot_number)

    assert [row.id for row in page.items] == [session.id]
    assert page.items[0].lots[0].as_diluent


def test_every_lot_of_a_product_is_found_by_gtin(ctx):
    product = make_product()
    sessions = [make_session() for _ in range(2)]
    for session in sessions:
        make_use(session, make_lot(product=product))

    page = _by_lot(product.clinic, gtin=product.gtin.lstrip("0"))

    assert {row.id for row in page.items} == {s.id for s in sessions}


def test_lot_search_filters_by_date_range_and_clinic(ctx):
    lot = make_lot()
    old = make_session(started_at=utcnow() - timedelta(days=40))
    recent = make_session()
    for session in (old, recent):
        make_use(session, lot)
    today = date.today()

    page = _by_lot(lot.product.clinic, lot_number=lot.lot_number, date_from=today - timedelta(1))
    elsewhere = _by_lot(make_clinic(), lot_number=lot.lot_number)

    assert [row.id for row in page.items] == [recent.id]
    assert (elsewhere.items, elsewhere.has_next) == ([], False)


@pytest.mark.parametrize(
    ("search", "message"),
    [
        ({}, "Give a lot number, a GTIN or a product"),
        ({"gtin": "12ab"}, "is not a GTIN: it needs 8 to 14 digits"),
        (
            {"lot_number": "X", "date_from": date(2025, 2, 1), "date_to": date(2025, 1, 1)},
            "start of the period is after its end",
        ),
    ],
)
def test_a_lot_search_without_a_usable_criterion_is_refused(ctx, search, message):
    clinic = make_clinic()

    with pytest.raises(InvalidInput, match=message):
        _by_lot(clinic, **search)


def test_lot_results_sort_by_whitelisted_keys_only(ctx):
    lot = make_lot()
    for name in ("Zoe Last", "Adam First"):
        make_use(make_session(make_client(full_name=name)), lot)
    lot_ids = traceability.lots_matching(lot.product.clinic, LotSearch(lot.lot_number))

    page = traceability.sessions_using_lots(
        lot.product.clinic, lot_ids, sort="client", descending=False
    )

    assert [row.client_name for row in page.items] == ["Adam First", "Zoe Last"]
    with pytest.raises(InvalidInput, match="Cannot sort by 'password_hash'"):
        traceability.sessions_using_lots(lot.product.clinic, lot_ids, sort="password_hash")


def test_lot_results_are_paginated(ctx):
    lot = make_lot()
    for _ in range(5):
        make_use(make_session(), lot)
    lot_ids = traceability.lots_matching(lot.product.clinic, LotSearch(lot.lot_number))

    second = traceability.sessions_using_lots(lot.product.clinic, lot_ids, page=2, per_page=2)

    assert (second.page, len(second.items)) == (2, 2)
    assert second.has_prev
    assert second.has_next


def test_an_export_gets_every_row_up_to_the_cap_whatever_page_it_names(ctx, monkeypatch):
    lot = make_lot()
    for _ in range(5):
        make_use(make_session(), lot)
    lot_ids = traceability.lots_matching(lot.product.clinic, LotSearch(lot.lot_number))
    monkeypatch.setattr(listing, "MAX_ROWS", 4)

    every = traceability.sessions_using_lots(lot.product.clinic, lot_ids, page=2, per_page=None)

    assert (len(every.items), every.has_next) == (4, True)


def _seed_lot_uses(lot, count: int) -> None:
    """`count` clients each with a session, a technician and a diluent lot of their own."""
    staff = lot.received_by
    for _ in range(count):
        technician = make_user() if count < 10 else staff  # argon2 is slow: a few suffice
        diluent = make_lot(kind=ProductKind.OTHER, received_by=staff)
        make_use(make_session(technician=technician), lot, diluent_lot=diluent)


def _forget_everything() -> None:
    """Nothing cached in the session: every row the page shows must come from its queries."""
    db.session.commit()
    db.session.expunge_all()


def _render_lot_page(clinic_id: int, lot_number: str) -> None:
    """Read everything the by-lot table shows, as the template does."""
    clinic = db.session.get(Clinic, clinic_id)
    page = _by_lot(clinic, lot_number=lot_number)
    for row in page.items:
        _ = (row.client_name, row.phone, row.technician, row.licence)
        _ = [use.label for use in row.lots]


def test_the_by_lot_page_sends_the_same_number_of_queries_for_3_or_30_rows(ctx):
    small, large = make_lot(), make_lot()
    clinic_id, small_number, large_number = small.clinic_id, small.lot_number, large.lot_number
    _seed_lot_uses(small, 3)
    _seed_lot_uses(large, 30)
    _forget_everything()

    with count_queries() as few:
        _render_lot_page(clinic_id, small_number)
    with count_queries() as many:
        _render_lot_page(clinic_id, large_number)

    assert len(few) == len(many) <= 4, many


def test_the_recall_page_sends_the_same_number_of_queries_for_3_or_30_clients(ctx):
    small, large = make_lot(), make_lot()
    small_recall, large_recall = make_recall([small]).id, make_recall([large]).id
    clinic_id = small.clinic_id
    _seed_lot_uses(small, 3)
    _seed_lot_uses(large, 30)
    _forget_everything()

    def render(recall_id):
        recall = operations.get_recall(db.session.get(Clinic, clinic_id), recall_id)
        for row in operations.list_affected_clients(recall).items:
            _ = (row.client.email, row.lot_labels, [n.notified_by.name for n in row.notifications])

    with count_queries() as few:
        render(small_recall)
    with count_queries() as many:
        render(large_recall)

    assert len(few) == len(many), many


def test_auditor_can_list_every_supply_used_on_a_client_with_patch_tests(ctx):
    client = make_client()
    pigment = make_lot()
    test = make_patch_test(client, [pigment.product])
    session = make_session(client)
    use = make_use(session, pigment, patch_test=test)
    make_use(make_session(), make_lot())

    page = client_history.client_supplies(client)

    assert [row.id for row in page.items] == [use.id]
    assert (page.items[0].patch_test_id, page.items[0].product) == (test.id, pigment.product.title)
    assert [row.id for row in client_history.client_sessions(client)] == [session.id]
    assert client_history.client_sessions(client)[0].technician == session.technician.name
    tests = client_history.client_patch_tests(client)
    assert [(t.id, t.products) for t in tests] == [(test.id, [pigment.product.title])]


def test_technician_activity_shows_checklist_completion_and_refusals(ctx):
    technician, other = make_user(), make_user()
    items = make_checklist()
    session = make_session(technician=technician)
    db.session.add(
        ChecklistAnswer(
            session_id=session.id,
            item_id=items[0].id,
            item_text=items[0].text,
            answered_by_id=technician.id,
        )
    )
    make_session(technician=other)
    refusal = make_refusal(technician)
    make_refusal(other)

    sessions = technician_activity.technician_sessions(technician.clinic, technician)
    refusals = technician_activity.technician_refusals(technician.clinic, technician)

    assert [(row.session, row.answered, row.expected) for row in sessions.items] == [
        (session, 1, 2)
    ]
    assert sessions.items[0].completion == 50
    assert refusals.items == [refusal]


def test_technician_refusals_outside_the_period_are_left_out(ctx):
    technician = make_user()
    make_refusal(technician, at=utcnow() - timedelta(days=10))

    page = technician_activity.technician_refusals(
        technician.clinic, technician, date_from=date.today() - timedelta(days=2)
    )

    assert page.total == 0
