"""Clearance of many pigments at once (the session screen's lists): the same answer as asking
for each pigment alone, from one read of the client's patch tests."""

from __future__ import annotations

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import PatchTestResult, ProductKind
from smp_hygiene.services.consent import clearance
from smp_hygiene.timeutil import utcnow
from tests.factories import make_client, make_lot, make_patch_test, make_product
from tests.queries import count_queries


@pytest.fixture
def pigments(ctx):
    """A client cleared for one pigment, blocked by a newer reaction to a second, never tested
    for a third; each pigment has a lot in stock."""
    client = make_client(full_name="Sam Doe")
    cleared, reacted, untested = (
        make_product(ProductKind.PIGMENT, client.clinic, name=name)
        for name in ("Cleared", "Reacted", "Untested")
    )
    lots = {p: make_lot(p) for p in (cleared, reacted, untested)}
    make_patch_test(client, [cleared], lots=[lots[cleared]])
    make_patch_test(client, [reacted], lots=[lots[reacted]], read_hours_ago=200)
    make_patch_test(
        client, [reacted], lots=[lots[reacted]], result=PatchTestResult.POSITIVE, read_hours_ago=60
    )
    return client, [cleared, reacted, untested]


def _one_by_one(client, products):
    return [clearance.pigment_status(client, p, utcnow()) for p in products]


@pytest.mark.parametrize("per_lot", [False, True])
def test_many_pigments_clear_as_each_would_alone(pigments, per_lot):
    client, products = pigments
    client.clinic.is_patch_test_per_lot = per_lot

    statuses = clearance.pigment_statuses(client, products, utcnow())

    assert statuses == _one_by_one(client, products)
    assert [(s.product.name, s.cleared) for s in statuses] == [
        ("Cleared", True),
        ("Reacted", False),
        ("Untested", False),
    ]
    assert "blocked until a newer negative" in statuses[1].message
    assert statuses[2].message.startswith("Sam Doe has no read patch test for")


@pytest.mark.parametrize("per_lot", [False, True])
def test_the_patch_tests_of_every_pigment_are_read_at_once(pigments, per_lot):
    client, products = pigments
    client.clinic.is_patch_test_per_lot = per_lot
    db.session.flush()

    with count_queries() as one:
        clearance.pigment_statuses(client, products[:1], utcnow())
    with count_queries() as three:
        clearance.pigment_statuses(client, products, utcnow())

    assert len(one) == len(three) == 1 + per_lot, three


def test_a_pigment_without_a_lot_in_stock_cannot_be_cleared_per_lot(pigments):
    client, products = pigments
    client.clinic.is_patch_test_per_lot = True
    bare = make_product(ProductKind.PIGMENT, client.clinic, name="Bare")

    statuses = clearance.pigment_statuses(client, [*products, bare], utcnow())

    assert statuses[-1].message.startswith("No lot of Acme Pigments Bare in stock")
    assert [s.cleared for s in statuses] == [True, False, False, False]
