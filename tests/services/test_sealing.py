"""Seal versions: records sealed before version 2 keep verifying."""

from __future__ import annotations

import hashlib

from smp_hygiene.models import ProductKind
from smp_hygiene.services.audit.chain import canonical
from smp_hygiene.services.sessions import lifecycle, sealing
from smp_hygiene.services.sterilisation import packs
from tests.factories import gs1_for, make_checklist, make_consent, make_lot, make_ready_session


def _version_1_digest(session) -> str:
    """The digest as version 1 computed it, frozen here as it was written."""
    content = {
        **{
            key: getattr(session, key)
            for key in ("clinic_id", "client_id", "technician_id", "course_number")
            + ("treated_area", "notes", "started_at", "completed_at", "label_info_provided_at")
        },
        "session_id": session.id,
        "uses": [
            {
                "lot_id": u.lot.id,
                "product_id": u.lot.product_id,
                "gtin": u.lot.product.gtin,
                "lot": u.lot.lot_number,
                "expiry": u.lot.expiry_date,
                "sterility_expiry": u.lot.sterility_expiry,
                "quantity": u.quantity,
                "serial": u.serial,
                "used_at": u.used_at,
                "used_by": u.used_by_id,
                "raw": u.raw_barcode,
                "diluent_lot_id": u.diluent_lot_id,
                "patch_test_id": u.patch_test_id,
            }
            for u in session.uses
        ],
        "checklist": [
            {"item_id": a.item_id, "text": a.item_text, "by": a.answered_by_id, "at": a.answered_at}
            for a in session.answers
        ],
        "packs": [_version_1_pack(use) for use in packs.list_pack_uses(session)],
        "overrides": [
            {"code": o.code, "message": o.message, "reason": o.reason}
            | {"by": o.acknowledged_by_id, "at": o.acknowledged_at}
            for o in session.overrides
        ],
    }
    return hashlib.sha256(canonical(content).encode()).hexdigest()


def _version_1_pack(use) -> dict:
    pack, cycle = use.pack, use.pack.cycle
    return {
        "pack": pack.code,
        "contents": pack.contents,
        "steriliser": cycle.steriliser.name,
        "steriliser_serial": cycle.steriliser.serial,
        "cycle": cycle.cycle_number,
        "sterilised_at": cycle.started_at,
        "released_at": cycle.released_at,
        "expires_on": pack.expires_on,
        "used_at": use.used_at,
        "used_by": use.used_by_id,
        "raw": use.raw_barcode,
    }


def _sealed():
    session = make_ready_session()
    make_consent(session.client)
    for item in make_checklist(session.clinic):
        lifecycle.answer_item(session, item, session.technician)
    lifecycle.record_scan(
        session,
        gs1_for(make_lot(kind=ProductKind.NEEDLE_CARTRIDGE), serial="S1"),
        session.technician,
    )
    lifecycle.complete_session(session, session.technician)
    return session


def test_a_version_1_seal_still_verifies(ctx):
    session = _sealed()
    session.sealed_digest = _version_1_digest(session)

    assert sealing.seal_matches(session)
    assert sealing.verify_seals().ok


def test_a_new_seal_is_version_2(ctx):
    session = _sealed()

    assert session.sealed_digest == sealing.digest(session) != _version_1_digest(session)
    assert sealing.sealed_content(session)["seal_version"] == 2
