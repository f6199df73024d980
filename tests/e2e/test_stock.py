"""The stock view on the demo clinic, at phone width: Today's flag, the list, the admin's level."""

from __future__ import annotations

import pytest

from smp_hygiene.demo import clinic
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_page(page, live_app, demo_seed):
    """The demo clinic behind the phone-sized page."""
    with live_app.app_context():
        demo_seed.apply()
    return page


def test_technician_follows_todays_stock_flag_to_the_expiring_lot(demo_page):
    page = demo_page
    sign_in(page, "tech@demo.test", clinic.DEMO_PASSWORD)
    flag = page.locator("[data-stock-flags]")

    assert "1 product low" in flag.inner_text()
    assert "1 lot expires within 30 days" in flag.inner_text()
    flag.get_by_role("link", name="See the stock list").click()
    page.wait_for_url("**/chair/stock")

    expiring = page.locator("li[data-expiring]")
    assert "Lot AQ-5390" in expiring.inner_text()
    assert "Expires in 12 days" in expiring.inner_text()
    low = page.locator(".card", has=page.locator("[data-low-stock]"))
    assert "3RL 0.25 mm" in low.inner_text()
    assert "8 cartridges in stock" in low.inner_text()
    assert "Opened " in page.locator("main").inner_text()  # the demo's pigment bottles
    # Phone width: the cards wrap, nothing needs a sideways scroll.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "chair-stock")


def test_admin_raises_a_low_stock_level_and_the_stock_view_flags_it(demo_page):
    page = demo_page
    sign_in(page, "admin@demo.test", clinic.DEMO_PASSWORD)
    page.goto("/admin/products")

    row = page.locator("tr", has_text="Nano 1RL 0.18 mm")
    row.get_by_label("Flag when fewer than").fill("9")
    row.get_by_role("button", name="Save").click()
    page.wait_for_url("**/admin/products")
    assert "flagged when fewer than 9 are in stock" in page.locator(".flashes").inner_text()

    page.goto("/chair/stock")

    assert page.locator("[data-low-stock]").count() == 2
    assert "2 products low" in page.locator("[data-stock-flags]").inner_text()
