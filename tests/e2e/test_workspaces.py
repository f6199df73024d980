"""The auditor's and the admin's workspaces on the demo clinic, in a desktop-sized Chromium."""

from __future__ import annotations

import pytest

from smp_hygiene.demo import clinic
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk(browser, live_server, live_app, demo_seed):
    """The demo clinic, and a 1280 px page as on an auditor's desk."""
    with live_app.app_context():
        demo_seed.apply()
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)  # a loaded CI machine, not a slow app
    yield page
    context.close()


def test_auditor_answers_which_clients_got_a_lot_in_one_step(desk):
    sign_in(desk, "auditor@demo.test", clinic.DEMO_PASSWORD)
    dashboard = desk.locator("main").inner_text()
    screenshot(desk, "audit-dashboard")

    desk.goto("/audit/trace/lot?lot=NB24-0577")

    table = desk.locator("table").first.inner_text()
    assert "Open recalls" in dashboard
    assert "Jordan Mensah" in table
    assert "Chris Novak" in table
    screenshot(desk, "audit-trace-lot")


def test_auditor_reads_the_sterilisation_log(desk):
    sign_in(desk, "auditor@demo.test", clinic.DEMO_PASSWORD)

    desk.goto("/audit/sterilisation/")
    desk.get_by_role("link", name="Autoclave A (class B)").first.click()

    assert "1012" in desk.locator("main").inner_text()  # the newest weekly load
    screenshot(desk, "audit-sterilisation")


def test_admin_opens_the_clinic_settings(desk):
    sign_in(desk, "admin@demo.test", clinic.DEMO_PASSWORD)

    assert "Patch" in desk.locator("main").inner_text()
    screenshot(desk, "admin-settings")


def test_auditor_walks_the_menu_to_sterilisation_and_back(desk):
    sign_in(desk, "auditor@demo.test", clinic.DEMO_PASSWORD)
    menu = desk.locator("header nav").last

    menu.get_by_role("link", name="Sterilisation").click()
    desk.get_by_role("link", name="Autoclave A (class B)").first.click()
    on_the_log = desk.locator("header nav").last.inner_text()
    desk.locator("header nav").last.get_by_role("link", name="Recalls").click()

    assert "Dashboard" in on_the_log
    assert "Sterilisation" in on_the_log
    assert desk.url.endswith("/audit/recalls")
    desk.locator("header nav").last.get_by_role("link", name="Sterilisation").click()
    desk.get_by_role("link", name="Sterilisation settings").click()
    assert "Only an admin can change these settings." in desk.locator("main").inner_text()
    assert desk.locator("main form[method=post]").count() == 0


def test_recall_form_labels_sit_above_their_boxes(desk):
    sign_in(desk, "auditor@demo.test", clinic.DEMO_PASSWORD)
    desk.goto("/audit/recalls/new")

    for label in ("Reason", "Last lot"):
        text = desk.get_by_text(label, exact=True).bounding_box()
        box = desk.get_by_label(label, exact=True).bounding_box()
        assert box["y"] >= text["y"] + text["height"] - 1, label  # below, not beside
        assert abs(box["x"] - text["x"]) < 2, label  # and starting where the label starts
