"""Scanning supplies at the chair: each rule refuses in words a technician can act on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from smp_hygiene.errors import (
    AlreadyUsed,
    InvalidInput,
    LabelInfoNotShown,
    MalformedBarcode,
    NotAllowed,
    PatchTestRequired,
    UnknownLot,
    UnsafeSupply,
    WarningNeedsAcknowledgement,
)
from smp_hygiene.extensions import db
from smp_hygiene.models import PatchTestMode, PatchTestResult, ProductKind, SupplyUse
from smp_hygiene.services.sessions import lifecycle
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    gs1_for,
    make_lot,
    make_patch_test,
    make_product,
    make_ready_session,
    make_session,
    make_user,
)


@pytest.fixture
def session(ctx):
    return make_ready_session()


def _cleared_pigment_lot(session, **fields):
    lot = make_lot(kind=ProductKind.PIGMENT, **fields)
    make_patch_test(session.client, [lot.product], read_hours_ago=72)
    return lot


def test_technician_can_scan_a_cartridge(session):
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)

    result = lifecycle.record_scan(session, gs1_for(lot, serial="0001"), session.technician)

    assert not result.duplicate
    assert (result.use.lot, result.use.serial) == (lot, "0001")
    assert session.uses == [result.use]


def test_the_same_scan_twice_within_seconds_records_one_use(session):
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    first = lifecycle.record_scan(session, gs1_for(lot), session.technician)

    again = lifecycle.record_scan(session, gs1_for(lot), session.technician)

    assert again.duplicate
    assert again.use is first.use
    assert db.session.query(SupplyUse).count() == 1


def test_the_same_unserialised_scan_later_is_a_second_cartridge(session):
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    lifecycle.record_scan(session, gs1_for(lot), session.technician, now=utcnow())

    later = lifecycle.record_scan(
        session, gs1_for(lot), session.technician, now=utcnow() + timedelta(minutes=5)
    )

    assert not later.duplicate
    assert db.session.query(SupplyUse).count() == 2


def test_a_serialised_cartridge_cannot_be_used_in_a_second_session(session):
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    lifecycle.record_scan(session, gs1_for(lot, serial="SN42"), session.technician)
    other = make_ready_session()

    with pytest.raises(AlreadyUsed, match=f"serial SN42 was already used in session #{session.id}"):
        lifecycle.record_scan(other, gs1_for(lot, serial="SN42"), other.technician)


def test_an_expired_lot_is_refused_at_the_chair(session):
    lot = make_lot(
        kind=ProductKind.NEEDLE_CARTRIDGE,
        lot_number="N9",
        expiry_date=date.today() - timedelta(days=1),
    )

    with pytest.raises(UnsafeSupply, match="Needle cartridge lot N9 expired on"):
        lifecycle.record_scan(session, gs1_for(lot), session.technician)


def test_an_unknown_lot_asks_to_receive_it_first(session):
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    text = f"(01){lot.product.gtin}(17)300101(10)NEVERSEEN"

    with pytest.raises(UnknownLot, match="lot NEVERSEEN has not been received. Receive it first"):
        lifecycle.record_scan(session, text, session.technician)


def test_a_malformed_barcode_is_refused_and_nothing_is_saved(session):
    with pytest.raises(MalformedBarcode):
        lifecycle.record_scan(session, "(01)09501101530004(10)X", session.technician)

    assert db.session.query(SupplyUse).count() == 0


def test_our_own_lot_label_finds_the_lot(session):
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)

    result = lifecycle.record_scan(session, f"SMPH-LOT:{lot.label_code}", session.technician)

    assert result.use.lot is lot


def test_pigment_needs_the_label_attestation_first(ctx):
    session = make_session()
    lot = _cleared_pigment_lot(session)

    with pytest.raises(LabelInfoNotShown, match="tick the attestation before the first pigment"):
        lifecycle.record_scan(session, gs1_for(lot), session.technician)


def test_pigment_use_names_the_patch_test_that_cleared_it(session):
    lot = _cleared_pigment_lot(session)

    use = lifecycle.record_scan(session, gs1_for(lot), session.technician).use

    assert use.patch_test.result is PatchTestResult.NEGATIVE


def test_first_use_of_a_pigment_bottle_marks_it_opened(session):
    lot = _cleared_pigment_lot(session)

    lifecycle.record_scan(session, gs1_for(lot), session.technician)

    assert lot.opened_at is not None


def test_pigment_without_patch_test_is_refused(session):
    lot = make_lot(kind=ProductKind.PIGMENT)

    with pytest.raises(PatchTestRequired, match="no read patch test"):
        lifecycle.record_scan(session, gs1_for(lot), session.technician)


def test_in_warn_mode_a_missing_patch_test_needs_a_reason(session):
    session.clinic.patch_test_mode = PatchTestMode.WARN
    lot = make_lot(kind=ProductKind.PIGMENT)

    with pytest.raises(WarningNeedsAcknowledgement, match="To continue, give a reason"):
        lifecycle.record_scan(session, gs1_for(lot), session.technician)


def test_in_warn_mode_the_reason_is_kept_on_the_record(session):
    session.clinic.patch_test_mode = PatchTestMode.WARN
    lot = make_lot(kind=ProductKind.PIGMENT)

    lifecycle.record_scan(
        session,
        gs1_for(lot),
        session.technician,
        acknowledge_reason="Same pigment used on client in 2025 without reaction",
    )

    assert [o.code for o in session.overrides] == ["patch_test"]


def test_a_positive_patch_test_blocks_even_in_warn_mode(session):
    session.clinic.patch_test_mode = PatchTestMode.WARN
    lot = make_lot(kind=ProductKind.PIGMENT)
    make_patch_test(
        session.client, [lot.product], read_hours_ago=72, result=PatchTestResult.POSITIVE
    )

    with pytest.raises(PatchTestRequired, match="blocked until a newer negative"):
        lifecycle.record_scan(session, gs1_for(lot), session.technician, acknowledge_reason="x")


def test_a_diluted_dose_records_the_diluent_lot(session):
    pigment = _cleared_pigment_lot(session)
    water = make_lot(make_product(ProductKind.OTHER, name="Sterile water"))

    use = lifecycle.record_scan(
        session, gs1_for(pigment), session.technician, diluent_raw=gs1_for(water)
    ).use

    assert use.diluent_lot is water


def test_a_pigment_is_not_accepted_as_a_diluent(session):
    pigment = _cleared_pigment_lot(session)
    other = _cleared_pigment_lot(session)

    with pytest.raises(NotAllowed, match="is not a diluent"):
        lifecycle.record_scan(
            session, gs1_for(pigment), session.technician, diluent_raw=gs1_for(other)
        )


def test_a_technician_of_another_clinic_cannot_scan_into_the_session(session):
    from tests.factories import make_clinic

    outsider = make_user(clinic=make_clinic())

    with pytest.raises(NotAllowed, match="another clinic"):
        lifecycle.record_scan(session, "anything", outsider)


def test_a_cartridge_is_not_diluted(session):
    cartridge = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    water = make_lot(make_product(ProductKind.OTHER, name="Sterile water"))

    with pytest.raises(InvalidInput, match="Only a pigment dose is diluted"):
        lifecycle.record_scan(
            session, gs1_for(cartridge), session.technician, diluent_raw=gs1_for(water)
        )


def test_expiry_is_judged_on_the_clinics_own_calendar_day(ctx):
    # 22:00 UTC on 31 October is already 1 November, 09:00, in Sydney.
    evening_utc = datetime(2026, 10, 31, 22, 0, tzinfo=UTC)
    session = make_ready_session(started_at=evening_utc)
    session.clinic.timezone = "Australia/Sydney"
    lot = make_lot(
        kind=ProductKind.NEEDLE_CARTRIDGE, lot_number="N31", expiry_date=date(2026, 10, 31)
    )

    with pytest.raises(UnsafeSupply, match="lot N31 expired on 2026-10-31"):
        lifecycle.record_scan(session, gs1_for(lot), session.technician, now=evening_utc)


def test_the_same_moment_is_still_the_expiry_day_in_a_utc_clinic(ctx):
    evening_utc = datetime(2026, 10, 31, 22, 0, tzinfo=UTC)
    session = make_ready_session(started_at=evening_utc)
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, expiry_date=date(2026, 10, 31))

    assert lifecycle.record_scan(session, gs1_for(lot), session.technician, now=evening_utc).use
