"""An auditor recalls a lot from the UI; the chair rules then refuse it."""

from __future__ import annotations

import pytest

from smp_hygiene.errors import UnsafeSupply
from smp_hygiene.extensions import db
from smp_hygiene.models import LotStatus, ProductKind, Role, SupplyLot
from smp_hygiene.services import sessions
from tests import factories
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_auditor_can_recall_a_lot_from_the_ui_and_the_chair_refuses_it(live_app, page):
    with live_app.app_context():
        auditor = factories.make_user(Role.AUDITOR, email="audit@example.test")
        lot = factories.make_lot(
            kind=ProductKind.NEEDLE_CARTRIDGE, lot_number="D199", received_by=auditor
        )
        client = factories.make_client(full_name="Alex Martin", phone="+44 7700 900123")
        factories.make_use(factories.make_session(client, technician=auditor), lot)
        product_label = f"{lot.product.title} ({lot.product.gtin})"
        lot_id = lot.id
        db.session.commit()

    sign_in(page, "audit@example.test", factories.PASSWORD)
    page.goto("/audit/recalls/new")
    page.get_by_label("Product", exact=True).select_option(label=product_label)
    page.get_by_role("radio", name="One lot").check()
    page.get_by_label("Lot number(s)").fill("Lot-Nr. D 199")
    page.get_by_label("Reason").fill("Sterility not assured: damaged seal")
    page.get_by_label("Source reference").fill("A12/0097/17")
    page.get_by_role("button", name="Recall and block").click()

    assert "1 lot(s) blocked" in page.get_by_text("blocked").first.inner_text()
    assert "D199 (recalled)" in page.locator(".facts").inner_text()
    assert "Alex Martin" in page.locator("table").inner_text()
    screenshot(page, "recall-opened")
    with live_app.app_context():
        lot = db.session.get(SupplyLot, lot_id)
        assert lot.status is LotStatus.RECALLED
        session = factories.make_ready_session()
        with pytest.raises(UnsafeSupply, match="lot D199 was recalled"):
            sessions.record_scan(session, factories.gs1_for(lot, serial="S1"), session.technician)
