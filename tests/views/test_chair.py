"""The chair pages: who may open them, and one happy path per page."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Clinic,
    Consent,
    FormSubmission,
    PatchTest,
    ProductKind,
    Refusal,
    Role,
    SessionStatus,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
    User,
)
from smp_hygiene.services.sessions import lifecycle as sessions
from smp_hygiene.timeutil import utcnow
from tests import factories as f
from tests.seeds import seeded


def _world():
    """One clinic with a consenting client, a pigment and a cartridge lot, and a sealed session."""
    clinic = f.make_clinic(name="Crown Clinic")
    tech = f.make_user(email="maker@example.test", clinic=clinic)
    client = f.make_consenting_client(clinic, full_name="Sam Stone")
    cartridge = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, received_by=tech)
    pigment = f.make_lot(kind=ProductKind.PIGMENT, received_by=tech)
    f.make_patch_test(client, [pigment.product])
    items = f.make_checklist(clinic)
    ready = f.make_ready_session(technician=tech, client=f.make_consenting_client(clinic))
    done = f.seal_at_the_chair(ready, items, cartridge)
    return {
        "client": client.id,
        "cartridge": cartridge.id,
        "pigment": pigment.id,
        "done": done.id,
        "items": [i.id for i in items],
    }


world = seeded(_world, "world")


def chair_urls(w):
    return [
        "/chair/",
        "/chair/clients/new",
        f"/chair/clients/{w['client']}/consent",
        f"/chair/sessions/{w['done']}",
        f"/chair/sessions/{w['done']}/aftercare",
        "/chair/patch-tests",
        "/chair/receiving",
        f"/chair/lots/{w['cartridge']}",
        f"/chair/lots/{w['cartridge']}/label",
        f"/chair/lots/{w['cartridge']}/label.svg",
    ]


@pytest.mark.parametrize("index", range(10))
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_auditors_and_admins_cannot_open_chair_pages(client, login, world, role, index):
    login(role)

    assert client.get(chair_urls(world)[index]).status_code == 403


@pytest.mark.parametrize("index", range(10))
def test_anonymous_visitors_are_sent_to_login_from_chair_pages(client, world, index):
    url = chair_urls(world)[index]

    response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize("index", range(10))
def test_technician_can_open_every_chair_page(client, login, world, index):
    login(Role.TECHNICIAN)

    assert client.get(chair_urls(world)[index]).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/chair/sessions", "/chair/clients", "/chair/patch-tests", "/chair/receiving"],
)
def test_auditor_cannot_post_to_chair_forms(client, login, world, path):
    login(Role.AUDITOR)

    assert client.post(path, data={}).status_code == 403


def test_login_follows_a_relative_next_to_the_chair(app, client, world):
    with app.app_context():
        f.make_user(email="t@example.test")
        db.session.commit()

    response = client.post(
        "/auth/login?next=/chair/receiving",
        data={"email": "t@example.test", "password": f.PASSWORD},
    )

    assert response.headers["Location"] == "/chair/receiving"


@pytest.mark.parametrize("target", ["https://evil.test/chair/", "//evil.test/", "chair/"])
def test_login_ignores_a_next_that_leaves_the_site(app, client, target):
    with app.app_context():
        f.make_user(email="t@example.test")
        db.session.commit()

    response = client.post(
        f"/auth/login?next={target}", data={"email": "t@example.test", "password": f.PASSWORD}
    )

    assert response.headers["Location"] == "/"


def test_an_idle_technician_is_signed_out(app, client, login, world):
    login(Role.TECHNICIAN)
    with client.session_transaction() as cookie:
        cookie["last_seen"] = (utcnow() - timedelta(minutes=16)).timestamp()

    response = client.get("/chair/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=/chair/")


def test_technician_can_register_a_client_and_is_sent_to_consent(app, client, login, world):
    login(Role.TECHNICIAN)

    response = client.post(
        "/chair/clients",
        data={"full_name": "Alex New", "date_of_birth": "1991-02-03", "nonce": "n-client"},
    )

    assert response.status_code == 302
    assert "/consent" in response.headers["Location"]


def test_a_double_submitted_form_acts_once_and_says_already_recorded(app, client, login, world):
    login(Role.TECHNICIAN)
    data = {"full_name": "Alex Twice", "date_of_birth": "1991-02-03", "nonce": "n-twice"}
    first = client.post("/chair/clients", data=data)

    second = client.post("/chair/clients", data=data, follow_redirects=True)

    assert first.headers["Location"] in second.request.url
    assert b"Already recorded." in second.data
    with app.app_context():
        assert db.session.query(FormSubmission).count() == 1


def _signature_data_url() -> str:
    return "data:image/png;base64," + base64.b64encode(f.SIGNATURE_PNG).decode()


def _consent_form(**changes):
    data = {
        "has_sunburn": "no",
        "has_open_lesions": "no",
        "has_rash_or_infection": "no",
        "is_intoxicated": "no",
        "id_document_type": "passport",
        "id_document_ref": "4471",
        "explained_verbally": "on",
        "given_in_writing": "on",
        "signature": _signature_data_url(),
    }
    from smp_hygiene.services.consent.consents import DEFAULT_MEDICAL_QUESTIONS

    data |= {f"q_{q['key']}": "no" for q in DEFAULT_MEDICAL_QUESTIONS}
    return data | changes


def _new_client(app, **fields):
    with app.app_context():
        new = f.make_client(**fields)
        db.session.commit()
        return new.id


def test_technician_can_record_a_signed_consent(app, client, login, world):
    login(Role.TECHNICIAN)
    client_id = _new_client(app, full_name="Kim Sign")

    response = client.post(f"/chair/clients/{client_id}/consent", data=_consent_form())

    assert response.status_code == 302
    with app.app_context():
        consent = db.session.query(Consent).filter_by(client_id=client_id).one()
        assert consent.signature_png == f.SIGNATURE_PNG


def test_a_sunburnt_client_is_refused_and_the_refusal_kept(app, client, login, world):
    login(Role.TECHNICIAN)
    client_id = _new_client(app)

    response = client.post(
        f"/chair/clients/{client_id}/consent", data=_consent_form(has_sunburn="yes")
    )

    assert response.status_code == 409
    assert b"No treatment today: sunburn on the treatment area." in response.data
    with app.app_context():
        assert db.session.query(Consent).filter_by(client_id=client_id).count() == 0
        assert db.session.query(Refusal).filter_by(reason="ConsentRefused").count() == 1


def test_starting_a_session_without_consent_leads_to_the_consent_form(app, client, login, world):
    login(Role.TECHNICIAN)
    client_id = _new_client(app)

    response = client.post("/chair/sessions", data={"client_id": client_id, "nonce": "s1"})

    assert response.headers["Location"].endswith(f"/chair/clients/{client_id}/consent")


def test_technician_can_start_a_session_and_see_the_session_screen(app, client, login, world):
    login(Role.TECHNICIAN)

    response = client.post(
        "/chair/sessions",
        data={"client_id": world["client"], "treated_area": "Crown", "nonce": "s2"},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert b"Sam Stone" in response.data
    assert b"Session 1 of the course" in response.data


def _open_session(app, login, world):
    email = login(Role.TECHNICIAN)
    with app.app_context():
        tech = db.session.query(User).filter_by(email=email).one()
        from smp_hygiene.models import Client

        session = sessions.start_session(db.session.get(Client, world["client"]), tech)
        db.session.commit()
        return session.id


def test_a_scan_is_saved_at_once_and_answered_in_json(app, client, login, world):
    session_id = _open_session(app, login, world)
    with app.app_context():
        raw = f.gs1_for(db.session.get(SupplyLot, world["cartridge"]), serial="J1")

    response = client.post(
        f"/chair/sessions/{session_id}/scans",
        data={"barcode": raw},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 200
    assert response.json["ok"] is True
    assert response.json["use"]["lot"]
    assert response.json["duplicate"] is False


def test_a_diluted_pigment_dose_records_its_diluent_lot(app, client, login, world):
    session_id = _open_session(app, login, world)
    with app.app_context():
        session = db.session.get(TreatmentSession, session_id)
        sessions.attest_label_info(session, session.technician)
        water = f.make_lot(f.make_product(ProductKind.OTHER, name="Sterile water"))
        pigment = db.session.get(SupplyLot, world["pigment"])
        data = {"barcode": f.gs1_for(pigment), "diluent": f.gs1_for(water)}
        water_id = water.id
        db.session.commit()

    response = client.post(
        f"/chair/sessions/{session_id}/scans", data=data, headers={"Accept": "application/json"}
    )

    assert response.json["ok"] is True
    with app.app_context():
        use = db.session.query(SupplyUse).filter_by(session_id=session_id).one()
        assert use.diluent_lot_id == water_id


def test_the_same_scan_twice_records_one_use_and_says_already_recorded(app, client, login, world):
    session_id = _open_session(app, login, world)
    with app.app_context():
        raw = f.gs1_for(db.session.get(SupplyLot, world["cartridge"]), serial="J2")
    url, headers = f"/chair/sessions/{session_id}/scans", {"Accept": "application/json"}
    client.post(url, data={"barcode": raw}, headers=headers)

    again = client.post(url, data={"barcode": raw}, headers=headers)

    assert again.json["duplicate"] is True
    assert again.json["message"] == "Already recorded."
    with app.app_context():
        assert db.session.query(SupplyUse).filter_by(session_id=session_id).count() == 1


def test_an_expired_lot_is_refused_in_json_and_the_refusal_kept(app, client, login, world):
    session_id = _open_session(app, login, world)
    with app.app_context():
        lot = f.make_lot(
            kind=ProductKind.NEEDLE_CARTRIDGE, expiry_date=utcnow().date() - timedelta(days=1)
        )
        raw = f.gs1_for(lot, serial="X1")
        db.session.commit()

    response = client.post(
        f"/chair/sessions/{session_id}/scans",
        data={"barcode": raw},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 409
    assert response.json["message"].startswith("Needle cartridge lot ")
    assert "expired on" in response.json["message"]
    with app.app_context():
        assert db.session.query(Refusal).filter_by(session_id=session_id).count() == 1
        assert db.session.query(SupplyUse).filter_by(session_id=session_id).count() == 0


def test_technician_can_tick_the_checklist_and_complete(app, client, login, world):
    session_id = _open_session(app, login, world)
    with app.app_context():
        raw = f.gs1_for(db.session.get(SupplyLot, world["cartridge"]), serial="J3")
    client.post(f"/chair/sessions/{session_id}/scans", data={"barcode": raw})
    for item_id in world["items"]:
        tick = client.post(
            f"/chair/sessions/{session_id}/checklist/{item_id}",
            headers={"Accept": "application/json"},
        )
        assert tick.json["ok"] is True

    response = client.post(f"/chair/sessions/{session_id}/complete", data={"nonce": "c1"})

    assert response.headers["Location"].endswith(f"/chair/sessions/{session_id}/aftercare")
    with app.app_context():
        assert db.session.get(TreatmentSession, session_id).status is SessionStatus.COMPLETED


def test_completing_too_early_is_refused_by_the_server(app, client, login, world):
    session_id = _open_session(app, login, world)

    response = client.post(
        f"/chair/sessions/{session_id}/complete", data={"nonce": "c2"}, follow_redirects=True
    )

    assert b"Cannot complete yet." in response.data
    with app.app_context():
        assert db.session.get(TreatmentSession, session_id).status is SessionStatus.IN_PROGRESS


def test_the_aftercare_card_shows_the_verify_qr_and_lots(app, client, login, world):
    login(Role.TECHNICIAN)
    with app.app_context():
        done = db.session.get(TreatmentSession, world["done"])
        token, lot_number = done.verify_token, done.uses[0].lot.lot_number

    page = client.get(f"/chair/sessions/{world['done']}/aftercare")

    assert f"/v/{token}/qr.svg".encode() in page.data
    assert lot_number.encode() in page.data


def test_technician_can_receive_a_lot_from_a_raw_gs1_scan(app, client, login, world):
    login(Role.TECHNICIAN)
    with app.app_context():
        product = f.make_product(ProductKind.NEEDLE_CARTRIDGE)
        raw = f"01{product.gtin}17301231" + "10NEWLOT7\x1d21SER1"
        db.session.commit()

    response = client.post("/chair/receiving", data={"barcode": raw, "nonce": "r1"})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(SupplyLot).filter_by(lot_number="NEWLOT7").count() == 1


def test_receiving_an_unknown_gtin_asks_only_for_the_product(app, client, login, world):
    login(Role.TECHNICIAN)

    response = client.post(
        "/chair/receiving", data={"barcode": "(01)09501101530003(17)301231(10)A1"}
    )

    assert response.status_code == 422
    assert b"Which product is this?" in response.data
    assert b"Ingredients" not in response.data


def test_receiving_a_pigment_asks_for_its_label_data(app, client, login, world):
    login(Role.TECHNICIAN)
    with app.app_context():
        product = f.make_product(ProductKind.PIGMENT)
        raw = f"(01){product.gtin}(17)301231(10)PIG9"
        db.session.commit()

    response = client.post("/chair/receiving", data={"barcode": raw})

    assert b"Ingredients, with CI numbers" in response.data


def test_the_lot_label_encodes_our_own_code(app, client, login, world):
    login(Role.TECHNICIAN)
    with app.app_context():
        code = db.session.get(SupplyLot, world["cartridge"]).label_code

    page = client.get(f"/chair/lots/{world['cartridge']}/label")

    assert f"SMPH-LOT:{code}".encode() in page.data


def test_technician_can_apply_and_read_a_patch_test(app, client, login, world):
    login(Role.TECHNICIAN)
    with app.app_context():
        product_id = db.session.get(SupplyLot, world["pigment"]).product_id
        db.session.get(Clinic, 1).timezone = "Europe/Brussels"
        db.session.commit()
    client.post(
        "/chair/patch-tests",
        data={
            "client_id": world["client"],
            "product_ids": [product_id],
            "applied_at": "2026-03-02T09:00",  # the clinic's clock: 08:00 UTC
            "nonce": "p1",
        },
    )
    with app.app_context():
        test = db.session.query(PatchTest).filter(PatchTest.read_at.is_(None)).one()
        test_id = test.id
        assert test.applied_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    response = client.post(
        f"/chair/patch-tests/{test_id}/reading", data={"result": "negative", "nonce": "p2"}
    )

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(PatchTest, test_id).result.value == "negative"


def test_chair_pages_carry_no_inline_script(client, login, world):
    login(Role.TECHNICIAN)

    page = client.get(f"/chair/sessions/{world['done']}").data.decode()

    assert "<script>" not in page
    assert " onclick=" not in page
    assert "style=" not in page


def test_a_session_within_the_healing_gap_asks_for_a_reason_then_starts(app, client, login, world):
    login(Role.TECHNICIAN)
    with app.app_context():
        done = db.session.get(TreatmentSession, world["done"])
        done.started_at = utcnow() - timedelta(days=2)
        client_id = done.client_id
        db.session.commit()
    refused = client.post("/chair/sessions", data={"client_id": client_id, "nonce": "g1"})

    response = client.post(
        "/chair/sessions",
        data={"client_id": client_id, "nonce": "g2", "acknowledge_reason": "Touch-up, one spot"},
    )

    assert refused.status_code == 409
    assert b"Reason to go ahead" in refused.data
    assert response.status_code == 302
    with app.app_context():
        started = db.session.query(TreatmentSession).filter_by(status="in_progress").one()
        assert [o.reason for o in started.overrides] == ["Touch-up, one spot"]
