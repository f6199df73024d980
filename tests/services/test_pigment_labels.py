"""The label block beside the attestation: the pigments scanned, then every pigment lot the
chair would still accept; never one it would refuse (REACH entry 75 point 7, DOMAIN R3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import LotStatus, ProductKind, SupplyUse
from smp_hygiene.services.supplies import labels
from smp_hygiene.timeutil import utcnow
from tests.factories import make_clinic, make_lot, make_product, make_session


@pytest.fixture
def session(ctx):
    return make_session()


def _pigment(session, **fields):
    product = make_product(ProductKind.PIGMENT, session.clinic, name=fields.pop("name", "Ash"))
    return make_lot(product, **fields)


def test_in_stock_pigments_show_product_batch_statement_ingredients_and_warnings(session):
    _pigment(session, lot_number="23B0412", label_warnings="Contains nickel below 1 ppm")

    [label] = labels.session_labels(session)

    assert (label.product, label.lot_number, label.scanned) == (
        "Acme Pigments Ash",
        "23B0412",
        False,
    )
    assert label.tattoo_use_statement
    assert (label.ingredients, label.warnings) == (
        "Aqua, CI 77266, Glycerin",
        "Contains nickel below 1 ppm",
    )


def test_scanned_pigments_come_first_and_are_not_listed_twice(session):
    _pigment(session, name="Bark", lot_number="B-1")
    used = _pigment(session, name="Coal", lot_number="C-1")
    db.session.add(SupplyUse(session=session, lot=used, used_by=session.technician))
    db.session.flush()

    shown = [(label.lot_number, label.scanned) for label in labels.session_labels(session)]

    assert shown == [("C-1", True), ("B-1", False)]


TODAY = utcnow().date()  # the clinic's day: these clinics keep UTC


@pytest.mark.parametrize(
    "fields",
    [
        {"status": LotStatus.RECALLED},
        {"status": LotStatus.QUARANTINED},
        {"status": LotStatus.NON_COMPLIANT_LABEL},
        {"status": LotStatus.USED_UP},
        {"expiry_date": TODAY - timedelta(days=1)},
        {"expiry_date": TODAY - timedelta(days=400)},
        {"opened_at": utcnow() - timedelta(days=400)},  # past its 12-month period after opening
    ],
)
def test_a_pigment_lot_the_chair_would_refuse_is_not_offered(session, fields):
    _pigment(session, **fields)

    assert labels.session_labels(session) == []


def test_other_clinics_pigments_and_needles_are_not_offered(session):
    make_lot(make_product(ProductKind.PIGMENT, make_clinic()))
    make_lot(make_product(ProductKind.NEEDLE_CARTRIDGE, session.clinic))

    assert labels.session_labels(session) == []


def test_a_pigment_expiring_today_is_still_offered(session):
    _pigment(session, expiry_date=TODAY)

    assert [label.expiry for label in labels.session_labels(session)] == [TODAY]
