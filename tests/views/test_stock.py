"""The stock view, its flags on Today and the dashboard, and the admin's low-stock level."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, LotStatus, Product, ProductKind, Role
from smp_hygiene.services.supplies.usability import add_months
from smp_hygiene.timeutil import utcnow
from tests import factories as f
from tests.services.test_traceability import count_queries


@pytest.fixture
def shelf(app):
    """Our clinic (first, so `login` joins it): a pigment bottle opened 12 days ago whose
    six-month period after opening ends in 18 days, a water lot expiring in 9 days, cartridges
    below their low-stock level; and another clinic's lots, which must never show."""
    with app.app_context():
        today = utcnow().date()
        clinic = f.make_clinic(name="Crown Clinic")
        ink = f.make_product(ProductKind.PIGMENT, clinic=clinic, name="Deep Black")
        opened = datetime.combine(today - timedelta(days=12), time(12), tzinfo=utcnow().tzinfo)
        ink.period_after_opening_months = 1
        f.make_lot(ink, lot_number="INK-1", quantity_received=3, opened_at=opened)
        water = f.make_product(ProductKind.OTHER, clinic=clinic, name="Sterile water")
        f.make_lot(water, lot_number="AQ-9", expiry_date=today + timedelta(days=9))
        needles = f.make_product(
            ProductKind.NEEDLE_CARTRIDGE, clinic=clinic, name="1RL", low_stock_level=10
        )
        f.make_lot(needles, lot_number="PC-1", quantity_received=4)
        f.make_lot(water, lot_number="AQ-RECALLED", status=LotStatus.RECALLED)
        other = f.make_clinic(name="Elsewhere")
        theirs = f.make_product(ProductKind.OTHER, clinic=other, name="Their gauze")
        f.make_lot(theirs, lot_number="THEIRS-1", expiry_date=today + timedelta(days=2))
        db.session.commit()
        return {"ink": ink.id, "water": water.id, "needles": needles.id, "theirs": theirs.id}


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR, Role.ADMIN])
def test_technicians_admins_and_auditors_can_read_the_stock(client, login, shelf, role):
    login(role)

    page = client.get("/chair/stock").get_data(as_text=True)

    assert "Lot AQ-9: 1 unit." in page
    assert "THEIRS-1" not in page
    assert "Their gauze" not in page
    assert "AQ-RECALLED" not in page


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_the_stock_view_opens_no_other_chair_page_to_auditors_and_admins(
    client, login, shelf, role
):
    login(role)

    stock = client.get("/chair/stock").get_data(as_text=True)

    assert client.get("/chair/").status_code == 403
    assert client.get("/chair/receiving").status_code == 403
    assert 'href="/chair/receiving"' not in stock  # the chair nav offers only what they may open


def test_a_signed_out_visitor_is_sent_to_login_from_the_stock_view(client, shelf):
    response = client.get("/chair/stock")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_the_stock_view_says_in_words_what_expires_and_when_a_bottle_must_be_used(
    client, login, shelf
):
    login(Role.TECHNICIAN)
    today = utcnow().date()
    in_9, in_18 = today + timedelta(days=9), add_months(today - timedelta(days=12), 1)

    page = client.get("/chair/stock").get_data(as_text=True)

    assert f"Expires in 9 days ({in_9.day} {in_9:%b %Y})." in page
    days = (in_18 - today).days  # one month after opening: 18 to 19 days, by the calendar
    assert f"Opened 12 days ago, use within {days} days (until {in_18.day} {in_18:%b %Y})." in page
    assert "Lot INK-1: 3 bottles, 1 opened." in page
    assert "Lot PC-1: 4 of 4 left." in page
    assert "Below the low-stock level: reorder." in page


def test_the_stock_view_is_reachable_from_the_chair_nav(client, login, shelf):
    login(Role.TECHNICIAN)

    today = client.get("/chair/").get_data(as_text=True)

    assert '<a href="/chair/stock">Stock</a>' in today


def test_today_flags_low_products_and_lots_expiring_soon_with_a_link(client, login, shelf):
    login(Role.TECHNICIAN)

    page = client.get("/chair/").get_data(as_text=True)

    assert "Stock: 1 product low, 2 lots expire within 30 days." in page
    assert "See the stock list</a>" in page


def test_today_says_nothing_about_stock_when_nothing_needs_doing(client, login, app):
    with app.app_context():
        f.make_lot(kind=ProductKind.OTHER)
        db.session.commit()
    login(Role.TECHNICIAN)

    page = client.get("/chair/").get_data(as_text=True)

    assert "data-stock-flags" not in page


def test_the_auditors_dashboard_flags_the_stock_with_a_link(client, login, shelf):
    login(Role.AUDITOR)

    page = client.get("/audit/").get_data(as_text=True)

    assert "Stock: 1 product low, 2 lots expire within 30 days." in page
    assert '<a href="/chair/stock">See the stock list</a>' in page


def test_the_stock_page_costs_the_same_queries_with_more_lots(app, client, login, shelf):
    login(Role.TECHNICIAN)
    client.get("/chair/stock")
    with app.app_context(), count_queries() as few:
        client.get("/chair/stock")
    with app.app_context():
        clinic = db.session.get(Product, shelf["ink"]).clinic
        for n in range(8):
            f.make_lot(f.make_product(clinic=clinic), lot_number=f"MORE-{n}", opened_at=utcnow())
        db.session.commit()

    with app.app_context(), count_queries() as many:
        page = client.get("/chair/stock").get_data(as_text=True)

    assert "MORE-7" in page
    assert len(few) == len(many)


def test_admin_sets_a_products_low_stock_level(app, client, login, shelf):
    login(Role.ADMIN)

    response = client.post(
        f"/admin/products/{shelf['water']}/low-stock", data={"low_stock_level": " 12 "}
    )

    assert response.headers["Location"] == "/admin/products"
    with app.app_context():
        assert db.session.get(Product, shelf["water"]).low_stock_level == 12
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "product.low_stock_level")
        )


def test_admin_clears_a_low_stock_level_by_leaving_it_empty(app, client, login, shelf):
    login(Role.ADMIN)

    client.post(f"/admin/products/{shelf['needles']}/low-stock", data={"low_stock_level": ""})

    with app.app_context():
        assert db.session.get(Product, shelf["needles"]).low_stock_level is None


def test_the_products_page_shows_each_level_in_its_form(client, login, shelf):
    login(Role.ADMIN)

    page = client.get("/admin/products").get_data(as_text=True)

    assert f'id="low-{shelf["needles"]}" name="low_stock_level" value="10"' in page


@pytest.mark.parametrize("value", ["-1", "0", "100000", "9" * 40, "²", "١٢", "１２", "five", "1.5"])
def test_a_low_stock_level_that_is_no_whole_number_in_range_is_refused_in_words(
    app, client, login, shelf, value
):
    login(Role.ADMIN)

    response = client.post(
        f"/admin/products/{shelf['needles']}/low-stock", data={"low_stock_level": value}
    )

    assert response.status_code == 422
    assert (
        "Low-stock level: enter a whole number from 1 to 99999, or leave it empty."
        in response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.get(Product, shelf["needles"]).low_stock_level == 10


def test_admin_cannot_set_another_clinics_low_stock_level(app, client, login, shelf):
    login(Role.ADMIN)

    response = client.post(
        f"/admin/products/{shelf['theirs']}/low-stock", data={"low_stock_level": "3"}
    )

    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Product, shelf["theirs"]).low_stock_level is None


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_only_admins_set_low_stock_levels(app, client, login, shelf, role):
    login(role)

    response = client.post(
        f"/admin/products/{shelf['water']}/low-stock", data={"low_stock_level": "3"}
    )

    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Product, shelf["water"]).low_stock_level is None
