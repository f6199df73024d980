"""The screens around labels: receiving a retail code asks for the lot and expiry, expired stock
is refused at the door, the chair asks for a typed lot where an admin allows it and shows it as a
hand entry, and the admin's per-product switch."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AuditEntry,
    Client,
    Product,
    ProductKind,
    Role,
    SupplyLot,
    SupplyUse,
    User,
)
from smp_hygiene.services.sessions import lifecycle
from smp_hygiene.timeutil import local_date, utcnow
from tests import factories as f

JSON = {"Accept": "application/json"}


@pytest.fixture
def world(app):
    """A clinic with a consenting client and a cartridge product sold with a retail code."""
    with app.app_context():
        clinic = f.make_clinic(name="Crown Clinic", timezone="Europe/Brussels")
        client = f.make_consenting_client(clinic)
        product = f.make_product(ProductKind.NEEDLE_CARTRIDGE, clinic=clinic)
        lot = f.make_lot(product, lot_number="HX-9")
        db.session.commit()
        return {
            "clinic": clinic.id,
            "client": client.id,
            "product": product.id,
            "gtin": product.gtin,
            "lot": lot.id,
        }


def _open_session(app, login, world) -> int:
    email = login(Role.TECHNICIAN)
    with app.app_context():
        tech = db.session.query(User).filter_by(email=email).one()
        session = lifecycle.start_session(db.session.get(Client, world["client"]), tech)
        db.session.commit()
        return session.id


def test_receiving_a_retail_code_asks_for_the_lot_and_expiry(client, login, world):
    login(Role.TECHNICIAN)

    response = client.post("/chair/receiving", data={"barcode": f"(01){world['gtin']}"})

    assert response.status_code == 200
    assert b"names the product but not its lot" in response.data
    assert b'name="lot_number"' in response.data
    assert b'name="expiry"' in response.data


def test_technician_can_receive_a_retail_code_with_the_typed_lot(app, client, login, world):
    login(Role.TECHNICIAN)
    expiry = (utcnow().date() + timedelta(days=300)).isoformat()
    data = {
        "barcode": f"(01){world['gtin']}",
        "product_id": world["product"],
        "step": "lot",
        "lot_number": "TYPED-1",
        "expiry": expiry,
        "nonce": "rx1",
    }

    response = client.post("/chair/receiving", data=data)

    assert response.status_code == 302
    with app.app_context():
        lot = db.session.query(SupplyLot).filter_by(lot_number="TYPED-1").one()
        assert lot.expiry_date.isoformat() == expiry


def test_a_pigment_retail_code_carries_the_typed_lot_into_the_label_step(app, client, login, world):
    login(Role.TECHNICIAN)
    with app.app_context():
        pigment = f.make_product(
            ProductKind.PIGMENT, clinic=db.session.get(Product, world["product"]).clinic
        )
        gtin = pigment.gtin
        db.session.commit()
    expiry = (utcnow().date() + timedelta(days=300)).isoformat()

    response = client.post(
        "/chair/receiving",
        data={"barcode": f"(01){gtin}", "step": "lot", "lot_number": "PG-1", "expiry": expiry},
    )

    assert b"Ingredients, with CI numbers" in response.data
    assert b'name="lot_number" value="PG-1"' in response.data


def test_expired_stock_is_refused_at_the_door_before_any_more_typing(app, client, login, world):
    login(Role.TECHNICIAN)
    with app.app_context():
        pigment = f.make_product(
            ProductKind.PIGMENT,
            clinic=db.session.get(Product, world["product"]).clinic,
            gtin="09506000134352",
        )
        title = pigment.title
        db.session.commit()

    response = client.post(
        "/chair/receiving", data={"barcode": "(01)09506000134352(17)201225(10)ABC999"}
    )

    assert response.status_code == 422  # the receiving page shows every refusal as 422
    assert f"{title} lot ABC999 expired on 2020-12-25".encode() in response.data
    assert b"Ingredients, with CI numbers" not in response.data
    with app.app_context():
        assert db.session.query(SupplyLot).filter_by(lot_number="ABC999").count() == 0


def test_the_chair_asks_for_a_typed_lot_where_the_admin_allows_it(app, client, login, world):
    session_id = _open_session(app, login, world)
    with app.app_context():
        db.session.get(Product, world["product"]).allows_manual_lot = True
        db.session.commit()
    url = f"/chair/sessions/{session_id}/scans"

    asked = client.post(url, data={"barcode": f"(01){world['gtin']}"}, headers=JSON)
    typed = client.post(
        url, data={"barcode": f"(01){world['gtin']}", "lot_number": "HX-9"}, headers=JSON
    )

    assert (asked.status_code, asked.json["acknowledge"]) == (422, "manual_lot")
    assert typed.json["ok"] is True
    assert typed.json["use"]["hand_entry"] is True
    page = client.get(f"/chair/sessions/{session_id}")
    assert b"lot entered by hand" in page.data


def test_the_chair_refuses_a_retail_code_where_hand_entry_is_not_allowed(app, client, login, world):
    session_id = _open_session(app, login, world)

    response = client.post(
        f"/chair/sessions/{session_id}/scans",
        data={"barcode": f"(01){world['gtin']}", "lot_number": "HX-9"},
        headers=JSON,
    )

    assert (response.status_code, response.json["acknowledge"]) == (422, None)
    assert response.json["message"].endswith("or the lot label printed at Receiving.")
    with app.app_context():
        assert db.session.query(SupplyUse).count() == 0


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_only_admins_open_the_product_settings(client, login, world, role):
    login(role)

    assert client.get("/admin/products").status_code == 403
    assert client.post(f"/admin/products/{world['product']}/manual-lot").status_code == 403


def test_admin_can_allow_and_stop_hand_entry_for_a_product(app, client, login, world):
    with app.app_context():
        f.make_user(
            Role.ADMIN,
            email="boss@example.test",
            clinic=db.session.get(Product, world["product"]).clinic,
        )
        db.session.commit()
    client.post("/auth/login", data={"email": "boss@example.test", "password": f.PASSWORD})
    url = f"/admin/products/{world['product']}/manual-lot"

    page = client.get("/admin/products")
    allowed = client.post(url, data={"allows_manual_lot": "y", "nonce": "m1"})
    with app.app_context():
        after_allow = db.session.get(Product, world["product"]).allows_manual_lot
    client.post(url, data={"nonce": "m2"})

    assert page.status_code == 200
    assert b"Lot entry by hand" in page.data
    assert allowed.status_code == 302
    assert after_allow is True
    with app.app_context():
        assert db.session.get(Product, world["product"]).allows_manual_lot is False
        assert AuditEntry.query.filter_by(action="product.manual_lot_entry").count() == 2


def test_parse_barcode_reports_the_issues_label_as_expired(app):
    result = app.test_cli_runner().invoke(
        args=["parse-barcode", "(01)09506000134352(17)201225(10)ABC999"]
    )

    data = json.loads(result.output)
    assert (data["expired"], data["judged_on"]) == (True, utcnow().date().isoformat())


@pytest.mark.parametrize(("days", "expired"), [(-1, True), (-400, True), (0, False), (1, False)])
def test_parse_barcode_judges_expiry_on_the_clinics_calendar_day(app, world, days, expired):
    with app.app_context():
        clinic = db.session.get(Product, world["product"]).clinic
        today = local_date(utcnow(), clinic.timezone)
    expiry = today + timedelta(days=days)
    text = f"(01){world['gtin']}(17){expiry:%y%m%d}(10)A1"

    result = app.test_cli_runner().invoke(
        args=["parse-barcode", text, "--clinic-id", str(world["clinic"])]
    )

    data = json.loads(result.output)
    assert (data["expired"], data["judged_on"]) == (expired, today.isoformat())


def test_parse_barcode_says_null_when_the_label_has_no_expiry(app):
    result = app.test_cli_runner().invoke(args=["parse-barcode", "(01)09506000134352(10)A1"])

    assert json.loads(result.output)["expired"] is None


def test_parse_barcode_names_an_unknown_clinic(app):
    result = app.test_cli_runner().invoke(
        args=["parse-barcode", "(01)09506000134352", "--clinic-id", "999"]
    )

    assert result.exit_code == 1
    assert "No clinic with id 999." in result.output
