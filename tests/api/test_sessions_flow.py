"""A whole session through the API: start, scans with real GS1 strings, ticks, complete, and
the refusals on the way as JSON."""

from __future__ import annotations

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AuditEntry,
    ProductKind,
    Refusal,
    Role,
    SessionStatus,
    TreatmentSession,
)
from tests import factories
from tests.factories import gs1_for


def _world(app):
    with app.app_context():
        clinic = factories.make_clinic()
        client = factories.make_consenting_client(clinic)
        items = factories.make_checklist(clinic)
        cartridges = factories.make_product(ProductKind.NEEDLE_CARTRIDGE, clinic)
        needle = factories.make_lot(cartridges)
        ink = factories.make_lot(factories.make_product(ProductKind.PIGMENT, clinic))
        factories.make_patch_test(client, [ink.product])
        world = {
            "clinic": clinic,
            "client_id": client.id,
            "item_ids": [item.id for item in items],
            "needle": gs1_for(needle, serial="S0001"),
            "ink": gs1_for(ink),
        }
        db.session.commit()
        return world


def test_technician_can_run_a_whole_session_through_the_api(app, api_as):
    world = _world(app)
    api = api_as(Role.TECHNICIAN, world["clinic"])

    started = api.post("/sessions", json={"client_id": world["client_id"], "treated_area": "crown"})
    session_id = started.get_json()["id"]
    early = api.post(f"/sessions/{session_id}/complete")
    needle = api.post(f"/sessions/{session_id}/scans", json={"barcode": world["needle"]})
    too_soon = api.post(f"/sessions/{session_id}/scans", json={"barcode": world["ink"]})
    attested = api.post(f"/sessions/{session_id}/label-info")
    ink = api.post(f"/sessions/{session_id}/scans", json={"barcode": world["ink"]})
    ticks = [api.post(f"/sessions/{session_id}/checklist/{i}") for i in world["item_ids"]]
    done = api.post(f"/sessions/{session_id}/complete")

    assert started.status_code == 201, started.get_json()
    assert early.status_code == 409
    assert early.get_json()["rule"] == "CannotComplete"
    assert needle.status_code == 201, needle.get_json()
    assert needle.get_json()["use"]["serial"] == "S0001"
    assert too_soon.status_code == 409
    assert too_soon.get_json() == {
        "error": "label_info_not_shown",
        "message": too_soon.get_json()["message"],
        "rule": "LabelInfoNotShown",
    }
    assert attested.status_code == 200
    assert ink.status_code == 201, ink.get_json()
    assert [t.status_code for t in ticks] == [200, 200]
    assert ticks[-1].get_json()["blockers"] == []
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["status"] == "completed"
    assert body["verify_url"].startswith("http")
    assert {use["lot_number"] for use in body["uses"]} == {
        world["needle"].split("(10)")[1].split("(21)")[0],
        world["ink"].split("(10)")[1],
    }
    with app.app_context():
        session = db.session.get(TreatmentSession, session_id)
        assert session.status is SessionStatus.COMPLETED
        assert session.sealed_digest
        refused = db.session.query(Refusal).filter_by(session_id=session_id).all()
        assert {r.reason for r in refused} == {"CannotComplete", "LabelInfoNotShown"}
        writes = db.session.query(AuditEntry).filter_by(action="api_token.used").count()
        assert writes == 7  # start, two scans, attestation, two ticks, completion
