"""The stock figures: what is on the shelf, opened bottles, what expires soon, what is low."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.demo import clinic as demo
from smp_hygiene.errors import InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic, LotStatus, ProductKind, Role, SessionStatus
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.services.supplies.stock import list_stock, stock_flags
from tests import factories as f
from tests.services.test_traceability import count_queries

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


def _product_stock(product, now=NOW):
    stock = list_stock(product.clinic, now)
    return next(item for item in stock.products if item.product.id == product.id)


def _lot_numbers(entries):
    return [entry.lot.lot_number for entry in entries]


def test_a_lot_expiring_today_is_still_in_stock_and_expires_soon(ctx):
    lot = f.make_lot(lot_number="TODAY", expiry_date=TODAY, quantity_received=3)

    item = _product_stock(lot.product)

    assert _lot_numbers(item.lots) == ["TODAY"]
    assert (item.units, item.lots[0].days_left, item.lots[0].expires_soon) == (3, 0, True)


def test_an_expired_lot_is_not_counted_in_stock_but_listed_to_set_aside(ctx):
    product = f.make_product(ProductKind.PIGMENT)
    f.make_lot(product, lot_number="OLD", expiry_date=TODAY - timedelta(days=1))
    f.make_lot(product, lot_number="GOOD", quantity_received=2)

    item = _product_stock(product)

    assert (_lot_numbers(item.lots), _lot_numbers(item.out_of_date)) == (["GOOD"], ["OLD"])
    assert item.units == 2
    assert stock_flags(product.clinic, NOW).out_of_date == 1


@pytest.mark.parametrize(("days", "soon"), [(30, True), (31, False)])
def test_a_lot_expires_soon_within_thirty_days_of_the_clinic_day(ctx, days, soon):
    lot = f.make_lot(expiry_date=TODAY + timedelta(days=days))

    entry = _product_stock(lot.product).lots[0]

    assert entry.expires_soon is soon
    assert stock_flags(lot.product.clinic, NOW).expiring == (1 if soon else 0)


def test_an_opened_bottle_is_used_by_the_end_of_its_period_after_opening(ctx):
    product = f.make_product(ProductKind.PIGMENT, period_after_opening_months=6)
    opened = datetime(2026, 6, 13, 9, 0, tzinfo=UTC)  # 6 months on: 13 Dec 2026
    f.make_lot(product, expiry_date=date(2028, 1, 31), opened_at=opened)

    entry = _product_stock(product).lots[0]

    assert (entry.opened_on, entry.opened_days_ago) == (date(2026, 6, 13), 171)
    assert (entry.use_by, entry.days_left, entry.expires_soon) == (date(2026, 12, 13), 12, True)
    assert entry.expiry_days_left == 426  # the bottle's own expiry is far off


def test_an_opened_bottle_expiring_before_its_period_after_opening_is_used_by_its_expiry(ctx):
    product = f.make_product(ProductKind.PIGMENT, period_after_opening_months=12)
    f.make_lot(product, expiry_date=date(2026, 12, 20), opened_at=datetime(2026, 11, 1, tzinfo=UTC))

    entry = _product_stock(product).lots[0]

    assert (entry.opened_until, entry.use_by, entry.days_left) == (
        date(2027, 11, 1),
        date(2026, 12, 20),
        19,
    )


def test_an_opened_bottle_past_its_period_after_opening_leaves_the_stock(ctx):
    product = f.make_product(ProductKind.PIGMENT, period_after_opening_months=3)
    f.make_lot(product, lot_number="STALE", opened_at=datetime(2026, 8, 1, tzinfo=UTC))

    item = _product_stock(product)

    assert (item.lots, _lot_numbers(item.out_of_date)) == ([], ["STALE"])
    assert item.out_of_date[0].use_by == date(2026, 11, 1)


@pytest.mark.parametrize(
    "status",
    [
        LotStatus.RECALLED,
        LotStatus.QUARANTINED,
        LotStatus.USED_UP,
        LotStatus.NON_COMPLIANT_LABEL,
    ],
)
def test_a_lot_that_may_not_be_used_is_not_stock(ctx, status):
    product = f.make_product(ProductKind.PIGMENT, low_stock_level=1)
    f.make_lot(product, status=status, expiry_date=TODAY + timedelta(days=5))

    item = _product_stock(product)

    assert (item.lots, item.out_of_date, item.units, item.is_low) == ([], [], 0, True)
    assert stock_flags(product.clinic, NOW).expiring == 0


def test_cartridges_in_stock_are_those_received_less_those_used(ctx):
    lot = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, quantity_received=5)
    voided = f.make_session(status=SessionStatus.VOIDED)  # opened at the chair: gone all the same
    for serial in ("A1", "A2"):
        f.make_use(f.make_session(), lot, serial=serial)
    f.make_use(voided, lot, serial="A3")

    item = _product_stock(lot.product)

    assert (item.units, item.lots[0].units) == (2, 2)


def test_a_cartridge_lot_whose_units_are_all_used_is_not_stock(ctx):
    lot = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, quantity_received=1)
    f.make_use(f.make_session(), lot, serial="ONLY")

    assert _product_stock(lot.product).lots == []


def test_pigment_uses_pour_from_a_bottle_without_taking_it_off_the_shelf(ctx):
    lot = f.make_lot(kind=ProductKind.PIGMENT, quantity_received=2, opened_at=NOW)
    f.make_use(f.make_session(), lot)
    f.make_use(f.make_session(), lot)

    assert _product_stock(lot.product).units == 2


@pytest.mark.parametrize(
    ("level", "units", "low"), [(None, 0, False), (5, 4, True), (5, 5, False), (3, 0, True)]
)
def test_a_product_is_low_below_its_admin_set_level(ctx, level, units, low):
    product = f.make_product(ProductKind.OTHER, low_stock_level=level)
    if units:
        f.make_lot(product, quantity_received=units)

    assert _product_stock(product).is_low is low


def test_another_clinics_lots_and_uses_are_never_counted(ctx):
    here, there = f.make_clinic(), f.make_clinic()
    ours = f.make_product(ProductKind.NEEDLE_CARTRIDGE, clinic=here, low_stock_level=3)
    theirs = f.make_product(ProductKind.NEEDLE_CARTRIDGE, clinic=there, low_stock_level=3)
    f.make_lot(theirs, quantity_received=50, expiry_date=TODAY + timedelta(days=3))
    f.make_lot(theirs, expiry_date=TODAY - timedelta(days=3))

    stock = list_stock(here, NOW)

    assert [item.product for item in stock.products] == [ours]
    assert (stock.flags.low, stock.flags.expiring, stock.flags.out_of_date) == (1, 0, 0)


@pytest.mark.parametrize(
    ("zone", "now", "in_stock"),
    [
        # 12:00 UTC on 1 Dec is already 2 Dec in Auckland: a lot expiring on 1 Dec is out of date.
        ("Pacific/Auckland", datetime(2026, 12, 1, 12, 0, tzinfo=UTC), False),
        # 03:00 UTC on 2 Dec is still 1 Dec in Los Angeles: the lot's last day.
        ("America/Los_Angeles", datetime(2026, 12, 2, 3, 0, tzinfo=UTC), True),
    ],
)
def test_expiry_is_read_on_the_clinics_calendar_day_not_utcs(ctx, zone, now, in_stock):
    clinic = f.make_clinic(timezone=zone)
    product = f.make_product(ProductKind.OTHER, clinic=clinic)
    f.make_lot(product, expiry_date=date(2026, 12, 1))

    item = _product_stock(product, now)

    assert (len(item.lots), len(item.out_of_date)) == ((1, 0) if in_stock else (0, 1))
    assert list_stock(clinic, now).today == (date(2026, 12, 1) if in_stock else date(2026, 12, 2))


def test_the_stock_costs_the_same_few_queries_however_many_lots(ctx):
    def stock_queries(clinic_id: int) -> int:
        db.session.commit()
        db.session.expunge_all()  # nothing cached: every lot and product comes from the database
        clinic = db.session.get(Clinic, clinic_id)
        with count_queries() as statements:
            stock = list_stock(clinic, NOW)
            [(e.use_by, e.lot.product.title) for p in stock.products for e in p.lots]
        return len(statements)

    clinic = f.make_clinic()
    clinic_id = clinic.id
    pigment = f.make_product(ProductKind.PIGMENT, clinic=clinic)
    cartridge = f.make_product(ProductKind.NEEDLE_CARTRIDGE, clinic=clinic)
    f.make_lot(pigment, opened_at=NOW)
    f.make_use(f.make_session(), f.make_lot(cartridge, quantity_received=3), serial="Q0")
    few = stock_queries(clinic_id)
    clinic = db.session.get(Clinic, clinic_id)
    for n in range(12):
        product = f.make_product(ProductKind.PIGMENT, clinic=clinic)
        f.make_lot(product, opened_at=NOW)
        lot = f.make_lot(f.make_product(ProductKind.NEEDLE_CARTRIDGE, clinic=clinic))
        f.make_use(f.make_session(), lot, serial=f"Q{n + 1}")

    many = stock_queries(clinic_id)

    assert few == many <= 3


def test_admin_sets_a_low_stock_level_and_the_change_is_audited(ctx):
    product = f.make_product(ProductKind.NEEDLE_CARTRIDGE)
    admin = f.make_user(Role.ADMIN, clinic=product.clinic)

    catalogue.set_low_stock_level(product, 10, admin)

    assert product.low_stock_level == 10
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "product.low_stock_level")
    )
    assert entry.actor_id == admin.id
    assert '"low_stock_level":null' in entry.before


def test_an_empty_low_stock_level_turns_the_alert_off(ctx):
    product = f.make_product(ProductKind.OTHER, low_stock_level=4)

    catalogue.set_low_stock_level(product, None, f.make_user(Role.ADMIN, clinic=product.clinic))

    assert product.low_stock_level is None
    assert _product_stock(product).is_low is False


@pytest.mark.parametrize("level", [0, -1, catalogue.MAX_LOW_STOCK_LEVEL + 1])
def test_a_low_stock_level_out_of_bounds_is_refused(ctx, level):
    product = f.make_product(ProductKind.OTHER)

    with pytest.raises(InvalidInput, match="low-stock level from 1 to 99999"):
        catalogue.set_low_stock_level(product, level, f.make_user(Role.ADMIN))


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_only_an_admin_sets_low_stock_levels(ctx, role):
    product = f.make_product(ProductKind.OTHER)

    with pytest.raises(NotAllowed, match="Only an admin"):
        catalogue.set_low_stock_level(product, 3, f.make_user(role, clinic=product.clinic))


def test_an_admin_cannot_set_another_clinics_low_stock_level(ctx):
    product = f.make_product(ProductKind.OTHER, clinic=f.make_clinic())

    with pytest.raises(NotAllowed, match="another clinic"):
        catalogue.set_low_stock_level(product, 3, f.make_user(Role.ADMIN, clinic=f.make_clinic()))


def test_the_demo_clinic_has_a_lot_expiring_an_opened_bottle_and_a_product_low(ctx):
    demo.load()
    stock = list_stock(db.session.scalar(select(Clinic).where(Clinic.name == demo.DEMO_CLINIC)))

    assert any(entry.expires_soon for item in stock.products for entry in item.lots)
    assert any(item.opened for item in stock.products)
    assert [item.product.name for item in stock.products if item.is_low] == ["3RL 0.25 mm"]
