"""Each resource: a happy path, a refusal as JSON, and another clinic's ids answering 404
exactly as missing ones do."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AuditEntry,
    Clinic,
    LotStatus,
    PatchTestResult,
    ProductKind,
    Role,
    SteriliserCycle,
    SupplyLot,
)
from smp_hygiene.timeutil import utcnow
from tests import factories
from tests.seeds import seeded


def _home():
    """Clinic A's records, by id: the clinic every test below works in."""
    clinic = factories.make_clinic(name="Home")
    tech = factories.make_user(Role.TECHNICIAN, clinic=clinic)
    ink = factories.make_product(ProductKind.PIGMENT, clinic)
    needles = factories.make_product(ProductKind.NEEDLE_CARTRIDGE, clinic)
    lot = factories.make_lot(needles, received_by=tech)
    client = factories.make_consenting_client(clinic)
    session = factories.make_completed_session(client, tech, (lot,))
    test = factories.make_patch_test(client, [ink], result=None, read_hours_ago=0)
    cycle = factories.make_cycle(factories.make_steriliser(clinic))
    ids = {
        "clinic": clinic.id, "product": ink.id, "needles": needles.id, "lot": lot.id,
        "client": client.id, "session": session.id, "patch_test": test.id,
        "steriliser": cycle.steriliser_id, "cycle": cycle.id,
        "spore_test": factories.make_spore_test(cycle).id,
        "reaction": factories.make_reaction(session).id,
        "recall": factories.make_recall([factories.make_lot(ink)]).id,
    }  # fmt: skip
    return ids


home = seeded(_home, "home")


DETAILS = [
    (Role.AUDITOR, "/products/{product}"),
    (Role.AUDITOR, "/lots/{lot}"),
    (Role.TECHNICIAN, "/clients/{client}"),
    (Role.TECHNICIAN, "/sessions/{session}"),
    (Role.TECHNICIAN, "/patch-tests/{patch_test}"),
    (Role.AUDITOR, "/reactions/{reaction}"),
    (Role.AUDITOR, "/recalls/{recall}"),
    (Role.AUDITOR, "/recalls/{recall}/clients"),
    (Role.AUDITOR, "/cycles/{cycle}"),
    (Role.AUDITOR, "/spore-tests/{spore_test}"),
    (Role.AUDITOR, "/trace/clients/{client}"),
]


@pytest.mark.parametrize(("role", "path"), DETAILS)
def test_a_record_of_the_clinic_is_read(api_as, home, role, path):
    response = api_as(role, home["clinic"]).get(path.format(**home))

    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(("role", "path"), DETAILS)
def test_another_clinics_record_answers_as_a_missing_one(app, api_as, home, role, path):
    with app.app_context():
        elsewhere = factories.make_clinic(name="Elsewhere")
        db.session.commit()
    stranger = api_as(role, elsewhere)

    theirs = stranger.get(path.format(**home))
    missing = stranger.get(path.format(**dict.fromkeys(home, 999_999)))

    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_json() == missing.get_json()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/sessions/{session}/scans", {"barcode": "(01)09506000134352(17)261231(10)X"}),
        ("/sessions/{session}/checklist/1", None),
        ("/patch-tests/{patch_test}/reading", {"result": "negative"}),
        ("/recalls/{recall}/close", {"reason": "done"}),
        ("/sterilisers/{steriliser}/cycles", None),
    ],
)
def test_another_clinic_cannot_write_to_a_record(app, api_as, home, path, body):
    with app.app_context():
        elsewhere = factories.make_clinic(name="Elsewhere")
        db.session.commit()
    role = Role.AUDITOR if "recall" in path or "steriliser" in path else Role.TECHNICIAN
    stranger = api_as(role, elsewhere)
    if "cycles" in path:
        body = {"cycle_number": 1, "started_at": "2026-01-02T10:00:00Z", "program": "prevac_134",
                "temperature_c": 134, "exposure_minutes": 4, "pressure_kpa": 310, "ci_class": 5,
                "ci_result": "pass", "packs": ["Grip"]}  # fmt: skip

    response = stranger.post(path.format(**home), json=body)

    assert response.status_code == 404, response.get_json()


def test_lists_page_by_cursor_and_refuse_a_forged_one(api_as, home, app):
    with app.app_context():
        clinic = db.session.get(Clinic, home["clinic"])
        for _ in range(4):
            factories.make_client(clinic)
        db.session.commit()
    api = api_as(Role.TECHNICIAN, home["clinic"])

    first = api.get("/clients?limit=2").get_json()
    second = api.get(f"/clients?limit=2&cursor={first['next_cursor']}").get_json()
    last = api.get(f"/clients?limit=2&cursor={second['next_cursor']}").get_json()
    forged = api.get("/clients?cursor=eyJhZnRlciI6IDV9")
    too_many = api.get("/clients?limit=101")

    ids = [c["id"] for page in (first, second, last) for c in page["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == len(set(ids)) == 5
    assert last["next_cursor"] is None
    assert forged.status_code == too_many.status_code == 422
    assert forged.get_json()["errors"]["query"]["cursor"]


def test_technician_can_receive_a_lot_by_its_barcode(app, api_as, home):
    api = api_as(Role.TECHNICIAN, home["clinic"])
    with app.app_context():
        gtin = db.session.get(SupplyLot, home["lot"]).product.gtin
    expiry = (utcnow() + timedelta(days=400)).strftime("%y%m%d")

    received = api.post("/lots", json={"barcode": f"(01){gtin}(17){expiry}(10)NEW-1"})
    expired = api.post("/lots", json={"barcode": f"(01){gtin}(17)200101(10)OLD-1"})

    assert received.status_code == 201, received.get_json()
    assert received.get_json()["lot_number"] == "NEW-1"
    assert received.get_json()["status"] == LotStatus.AVAILABLE.value
    assert expired.status_code in (409, 422)
    assert expired.get_json()["rule"] == "UnsafeSupply"


def test_auditor_cannot_receive_stock(api_as, home):
    refused = api_as(Role.AUDITOR, home["clinic"]).post("/lots", json={"barcode": "x"})

    assert refused.status_code == 403


def test_technician_can_register_a_client_and_start_no_session_without_consent(api_as, home):
    api = api_as(Role.TECHNICIAN, home["clinic"])

    client = api.post("/clients", json={"full_name": "Ann Other", "date_of_birth": "1990-01-02"})
    session = api.post("/sessions", json={"client_id": client.get_json()["id"]})

    assert client.status_code == 201
    assert session.status_code == 409
    assert session.get_json()["rule"] == "ConsentRequired"


def test_technician_can_apply_and_read_a_patch_test(api_as, home):
    api = api_as(Role.TECHNICIAN, home["clinic"])

    applied = api.post(
        "/patch-tests", json={"client_id": home["client"], "product_ids": [home["product"]]}
    )
    too_early = api.post(f"/patch-tests/{applied.get_json()['id']}/reading",
                         json={"result": "negative"})  # fmt: skip
    positive = api.post(f"/patch-tests/{applied.get_json()['id']}/reading",
                        json={"result": "positive", "signs": "Redness"})  # fmt: skip

    assert applied.status_code == 201, applied.get_json()
    assert applied.get_json()["product_ids"] == [home["product"]]
    assert too_early.status_code == 422
    assert too_early.get_json()["rule"] == "InvalidInput"
    assert positive.status_code == 200
    assert positive.get_json()["result"] == PatchTestResult.POSITIVE.value


def test_anyone_treating_or_auditing_can_log_a_reaction(api_as, home):
    api = api_as(Role.TECHNICIAN, home["clinic"])
    onset = utcnow().isoformat()

    logged = api.post("/reactions", json={"session_id": home["session"], "onset_at": onset,
                                          "severity": "mild", "signs": "Itching"})  # fmt: skip
    naive = api.post("/reactions", json={"session_id": home["session"],
                                         "onset_at": "2026-01-01T10:00:00",
                                         "severity": "mild", "signs": "Itching"})  # fmt: skip

    assert logged.status_code == 201, logged.get_json()
    assert naive.status_code == 422
    assert "onset_at" in naive.get_json()["errors"]["json"]


def test_an_autoclave_logger_can_post_its_cycles(app, api_as, home):
    logger = api_as(Role.AUDITOR, home["clinic"])
    cycle = {"cycle_number": 7001, "started_at": "2026-01-02T10:00:00+01:00",
             "program": "prevac_134", "temperature_c": 134.2, "exposure_minutes": 3.5,
             "pressure_kpa": 310, "ci_class": 5, "ci_result": "pass",
             "packs": ["Grip and tube", "Tweezers"]}  # fmt: skip

    posted = logger.post(f"/sterilisers/{home['steriliser']}/cycles", json=cycle)
    twice = logger.post(f"/sterilisers/{home['steriliser']}/cycles", json=cycle)
    gravity = logger.post(f"/sterilisers/{home['steriliser']}/cycles",
                          json=cycle | {"cycle_number": 7002, "temperature_c": 900})  # fmt: skip

    assert posted.status_code == 201, posted.get_json()
    assert len(posted.get_json()["packs"]) == 2
    assert posted.get_json()["started_at"] == "2026-01-02T09:00:00+00:00"
    assert twice.status_code == 409
    assert twice.get_json()["rule"] == "AlreadyExists"
    assert gravity.status_code == 422
    with app.app_context():
        assert db.session.query(SteriliserCycle).filter_by(cycle_number=7001).count() == 1
        assert db.session.query(AuditEntry).filter_by(action="api_token.used").count() == 1


def test_a_positive_spore_test_takes_the_steriliser_out_of_service(api_as, home):
    auditor = api_as(Role.AUDITOR, home["clinic"])
    read_at = (utcnow() - timedelta(minutes=1)).isoformat()

    test = auditor.post("/spore-tests", json={"cycle_id": home["cycle"], "bi_lot": "BI-1",
                                              "result": "positive", "control_result": "positive",
                                              "read_at": read_at})  # fmt: skip
    steriliser = auditor.get("/sterilisers").get_json()["items"][0]
    no_control = auditor.post("/spore-tests", json={"cycle_id": home["cycle"], "bi_lot": "BI-2",
                                                    "result": "negative",
                                                    "control_result": "negative",
                                                    "read_at": read_at})  # fmt: skip

    assert test.status_code == 201, test.get_json()
    assert steriliser["status"] == "out_of_service"
    assert no_control.status_code == 422
    assert no_control.get_json()["rule"] == "InvalidInput"


def test_auditor_can_trace_a_lot_to_its_clients(api_as, home, app):
    with app.app_context():
        lot_number = db.session.get(SupplyLot, home["lot"]).lot_number
    auditor = api_as(Role.AUDITOR, home["clinic"])

    traced = auditor.get(f"/trace/lot?lot={lot_number}")
    nothing_asked = auditor.get("/trace/lot")

    [row] = traced.get_json()["items"]
    assert row["session_id"] == home["session"]
    assert row["client_id"] == home["client"]
    assert nothing_asked.status_code == 422
    assert nothing_asked.get_json()["rule"] == "InvalidInput"
