"""Receiving against the label: expired on arrival, a label contradicting its lot, serials, and
barcodes that name a product but no lot (retail codes)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from smp_hygiene.errors import (
    LotNotOnBarcode,
    MalformedLabel,
    NotAllowed,
    SerialRequired,
    UnknownLot,
    UnsafeSupply,
)
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, LotStatus, ProductKind, Role, SupplyLot, SupplyUse
from smp_hygiene.services.sessions import lifecycle, sealing
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.services.supplies import receiving as supplies
from smp_hygiene.services.supplies.receiving import PigmentLabel, TypedLot
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    gs1_for,
    make_clinic,
    make_lot,
    make_product,
    make_ready_session,
    make_user,
)

COMPLIANT = PigmentLabel(has_tattoo_use_statement=True, ingredients="Aqua, CI 77266")
KINDS = [ProductKind.PIGMENT, ProductKind.NEEDLE_CARTRIDGE, ProductKind.OTHER]
TODAY = utcnow().date()


def _expired(title: str, lot: str, expiry: date) -> str:
    message = (
        f"{title} lot {lot} expired on {expiry.isoformat()}: expired stock is not received. "
        "Set it aside and return it to the supplier."
    )
    return f"^{re.escape(message)}$"


def _contradiction(title: str, lot: str, label: date, received: date) -> str:
    message = (
        f"This label says {title} lot {lot} expires on {label.isoformat()}, but that lot was "
        f"received with expiry {received.isoformat()}. The item may be mislabelled or "
        "counterfeit: do not use it, set it aside and tell the supplier."
    )
    return f"^{re.escape(message)}$"


def _retail(product) -> str:
    """A barcode naming the product only: what an EAN/UPC/ITF-14 reads as (GTIN, no lot)."""
    return f"(01){product.gtin}"


# Expired on arrival ----------------------------------------------------------------------------


def test_the_issues_expired_label_is_refused_at_receiving_naming_its_date(ctx):
    product, user = make_product(ProductKind.PIGMENT, gtin="09506000134352"), make_user()

    with pytest.raises(UnsafeSupply, match=_expired(product.title, "ABC999", date(2020, 12, 25))):
        supplies.receive_lot(
            product.clinic, "(01)09506000134352(17)201225(10)ABC999", user, label=COMPLIANT
        )

    assert db.session.query(SupplyLot).count() == 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("days_past", [1, 2, 31, 365, 3000])
def test_any_stock_past_its_expiry_is_refused_at_receiving(ctx, kind, days_past):
    product, user = make_product(kind), make_user()
    expiry = TODAY - timedelta(days=days_past)

    with pytest.raises(UnsafeSupply, match=_expired(product.title, "EXP1", expiry)):
        supplies.receive_lot(
            product.clinic, f"(01){product.gtin}(17){expiry:%y%m%d}(10)EXP1", user, label=COMPLIANT
        )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("days_ahead", [0, 1, 400])
def test_stock_in_date_on_arrival_is_received_available(ctx, kind, days_ahead):
    product, user = make_product(kind), make_user()
    expiry = TODAY + timedelta(days=days_ahead)

    lot = supplies.receive_lot(
        product.clinic, f"(01){product.gtin}(17){expiry:%y%m%d}(10)OK1", user, label=COMPLIANT
    )

    assert (lot.expiry_date, lot.status) == (expiry, LotStatus.AVAILABLE)


def test_expiry_on_arrival_is_judged_on_the_clinics_calendar_day(ctx):
    # 22:00 UTC on 31 October is already 1 November in Sydney: the lot expired there yesterday.
    clinic = make_clinic(timezone="Australia/Sydney")
    product, user = (
        make_product(ProductKind.NEEDLE_CARTRIDGE, clinic=clinic),
        make_user(clinic=clinic),
    )
    evening = datetime(2026, 10, 31, 22, 0, tzinfo=UTC)

    with pytest.raises(UnsafeSupply, match=_expired(product.title, "N31", date(2026, 10, 31))):
        supplies.receive_lot(clinic, f"(01){product.gtin}(17)261031(10)N31", user, now=evening)


def test_the_same_moment_is_still_the_expiry_day_in_a_utc_clinic(ctx):
    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    evening = datetime(2026, 10, 31, 22, 0, tzinfo=UTC)

    lot = supplies.receive_lot(
        product.clinic, f"(01){product.gtin}(17)261031(10)N31", user, now=evening
    )

    assert lot.status is LotStatus.AVAILABLE


def test_restocking_a_lot_that_has_expired_since_is_refused(ctx):
    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    raw = f"(01){product.gtin}(17)261031(10)N31"
    lot = supplies.receive_lot(product.clinic, raw, user, now=datetime(2026, 6, 1, tzinfo=UTC))

    with pytest.raises(UnsafeSupply, match=_expired(product.title, "N31", date(2026, 10, 31))):
        supplies.receive_lot(product.clinic, raw, user, now=datetime(2026, 11, 2, tzinfo=UTC))

    assert lot.quantity_received == 1


# A label that contradicts its received lot -----------------------------------------------------


@pytest.mark.parametrize("shift", [-400, -1, 1, 30])
def test_restocking_with_a_label_naming_another_expiry_is_refused_with_both_dates(ctx, shift):
    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    received = TODAY + timedelta(days=500)
    lot = supplies.receive_lot(
        product.clinic, f"(01){product.gtin}(17){received:%y%m%d}(10)C-7", user, quantity=4
    )
    label = received + timedelta(days=shift)

    with pytest.raises(UnsafeSupply, match=_contradiction(product.title, "C-7", label, received)):
        supplies.receive_lot(
            product.clinic, f"(01){product.gtin}(17){label:%y%m%d}(10)C-7", user, quantity=4
        )

    assert lot.quantity_received == 4


@pytest.mark.parametrize("shift", [-200, -1, 1, 365])
def test_a_scan_at_the_chair_naming_another_expiry_is_refused_with_both_dates(ctx, shift):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, lot_number="C-8")
    label = lot.expiry_date + timedelta(days=shift)
    expected = _contradiction(lot.product.title, "C-8", label, lot.expiry_date)

    with pytest.raises(UnsafeSupply, match=expected):
        lifecycle.record_scan(session, gs1_for(lot, expiry=label), session.technician)

    assert db.session.query(SupplyUse).count() == 0


def test_a_label_agreeing_with_its_lot_is_accepted_at_the_chair(ctx):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)

    assert lifecycle.record_scan(session, gs1_for(lot), session.technician).use.lot is lot


# Serialised single-use products ----------------------------------------------------------------

SERIAL_MISSING = (
    "cartridges carry a serial number, and this scan has none. Scan the barcode on the "
    "cartridge's own pack (the one with the serial, GS1 AI 21), not the box or a lot label: "
    "without the serial nobody can tell a new cartridge from a used one."
)


def _serial_missing(title: str) -> str:
    return "^" + re.escape(f"{title} {SERIAL_MISSING}") + "$"


def test_the_serial_cannot_be_dropped_to_reuse_a_cartridge_five_times(ctx):
    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    expiry = TODAY + timedelta(days=300)
    supplies.receive_lot(
        product.clinic, f"(01){product.gtin}(17){expiry:%y%m%d}(10)SR1(21)SN-1", user
    )
    without_serial = f"(01){product.gtin}(17){expiry:%y%m%d}(10)SR1"
    expected = _serial_missing(product.title)

    for attempt in range(5):
        session = make_ready_session()
        with pytest.raises(SerialRequired, match=expected):
            lifecycle.record_scan(
                session,
                without_serial,
                session.technician,
                now=utcnow() + timedelta(minutes=attempt),
            )

    assert product.is_serialised
    assert db.session.query(SupplyUse).count() == 0


def test_a_serial_seen_first_at_the_chair_makes_the_product_serialised(ctx):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    lifecycle.record_scan(session, gs1_for(lot, serial="U1"), session.technician)

    with pytest.raises(SerialRequired, match=_serial_missing(lot.product.title)):
        lifecycle.record_scan(
            session, gs1_for(lot), session.technician, now=utcnow() + timedelta(minutes=1)
        )

    assert AuditEntry.query.filter_by(action="product.serialised").count() == 1


def test_our_lot_label_does_not_stand_in_for_a_serialised_cartridge(ctx):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    lot.product.is_serialised = True

    with pytest.raises(SerialRequired, match=_serial_missing(lot.product.title)):
        lifecycle.record_scan(session, f"SMPH-LOT:{lot.label_code}", session.technician)


def test_a_product_never_seen_with_a_serial_is_scanned_without_one(ctx):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)

    use = lifecycle.record_scan(session, gs1_for(lot), session.technician).use

    assert (use.serial, lot.product.is_serialised) == (None, False)


def test_a_pigment_bottle_with_a_serial_does_not_make_its_product_single_use(ctx):
    product, user = make_product(ProductKind.PIGMENT), make_user()
    expiry = TODAY + timedelta(days=300)

    supplies.receive_lot(
        product.clinic, f"(01){product.gtin}(17){expiry:%y%m%d}(10)P1(21)B-9", user, label=COMPLIANT
    )

    assert not product.is_serialised


# Barcodes naming a product but no lot: receiving --------------------------------------------


def test_a_retail_code_is_received_with_the_lot_and_expiry_typed_from_the_packaging(ctx):
    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    expiry = TODAY + timedelta(days=200)

    lot = supplies.receive_lot(
        product.clinic, _retail(product), user, typed=TypedLot("HX-12", expiry)
    )

    assert (lot.lot_number, lot.expiry_date, lot.sterility_expiry) == ("HX-12", expiry, expiry)
    assert lot.raw_barcode == _retail(product)


@pytest.mark.parametrize("typed", [None, TypedLot(), TypedLot("  "), TypedLot("N/A")])
def test_a_retail_code_without_a_typed_lot_asks_for_it(ctx, typed):
    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    expected = re.escape(
        f"The barcode names {product.title} but no lot number: type the lot number and expiry "
        "date printed on the packaging."
    )

    with pytest.raises(MalformedLabel, match=expected):
        supplies.receive_lot(product.clinic, _retail(product), user, typed=typed)


@pytest.mark.parametrize(
    ("kind", "what"),
    [(ProductKind.PIGMENT, "pigment"), (ProductKind.NEEDLE_CARTRIDGE, "needle cartridge")],
)
def test_a_retail_code_without_a_typed_expiry_asks_for_it(ctx, kind, what):
    product, user = make_product(kind), make_user()
    expected = re.escape(
        f"Type the expiry date printed on the packaging of {product.title} lot HX-1: "
        f"a {what} without one cannot be accepted."
    )

    with pytest.raises(MalformedLabel, match=expected):
        supplies.receive_lot(product.clinic, _retail(product), user, typed=TypedLot("HX-1"))


def test_a_typed_expiry_already_past_is_refused_like_a_scanned_one(ctx):
    product, user = make_product(ProductKind.OTHER), make_user()
    expiry = TODAY - timedelta(days=3)

    with pytest.raises(UnsafeSupply, match=_expired(product.title, "HX-2", expiry)):
        supplies.receive_lot(product.clinic, _retail(product), user, typed=TypedLot("HX-2", expiry))


def test_a_typed_lot_never_overrides_the_lot_on_a_barcode(ctx):
    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    expiry = TODAY + timedelta(days=90)

    lot = supplies.receive_lot(
        product.clinic,
        f"(01){product.gtin}(17){expiry:%y%m%d}(10)REAL",
        user,
        typed=TypedLot("TYPED", TODAY + timedelta(days=900)),
    )

    assert (lot.lot_number, lot.expiry_date) == ("REAL", expiry)


# Barcodes naming a product but no lot: the chair -----------------------------------------------


def test_the_chair_refuses_a_retail_code_unless_the_product_allows_hand_entry(ctx):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    expected = re.escape(
        f"This barcode names {lot.product.title} but not its lot, so the use could not be "
        "traced to a lot. Scan the barcode that carries the lot number, or the lot label "
        "printed at Receiving."
    )

    with pytest.raises(LotNotOnBarcode, match=expected) as refused:
        lifecycle.record_scan(
            session, _retail(lot.product), session.technician, typed_lot=lot.lot_number
        )

    assert refused.value.code is None


def test_where_hand_entry_is_allowed_the_chair_asks_for_the_lot(ctx):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    lot.product.allows_manual_lot = True
    expected = re.escape(
        f"This barcode names {lot.product.title} but not its lot: type the lot number printed "
        "on the packaging. The use is recorded as entered by hand."
    )

    with pytest.raises(LotNotOnBarcode, match=expected) as refused:
        lifecycle.record_scan(session, _retail(lot.product), session.technician, typed_lot=" ")

    assert refused.value.code == "manual_lot"


def test_a_typed_lot_is_recorded_as_a_hand_entry(ctx):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, lot_number="HX-77")
    lot.product.allows_manual_lot = True

    use = lifecycle.record_scan(
        session, _retail(lot.product), session.technician, typed_lot="hx 77"
    ).use

    assert (use.lot, use.is_hand_entry, use.raw_barcode) == (lot, True, _retail(lot.product))


def test_a_typed_lot_that_was_never_received_is_refused(ctx):
    session = make_ready_session()
    product = make_product(ProductKind.NEEDLE_CARTRIDGE, allows_manual_lot=True)

    with pytest.raises(
        UnknownLot, match=re.escape(f"{product.title} lot NOPE has not been received")
    ):
        lifecycle.record_scan(session, _retail(product), session.technician, typed_lot="NOPE")


def test_a_hand_entered_lot_still_obeys_every_supply_rule(ctx):
    session = make_ready_session()
    lot = make_lot(
        kind=ProductKind.NEEDLE_CARTRIDGE, lot_number="OLD1", expiry_date=TODAY - timedelta(days=1)
    )
    lot.product.allows_manual_lot = True

    with pytest.raises(UnsafeSupply, match="lot OLD1 expired on"):
        lifecycle.record_scan(session, _retail(lot.product), session.technician, typed_lot="OLD1")


def test_a_scanned_use_is_not_a_hand_entry(ctx):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    lot.product.allows_manual_lot = True

    use = lifecycle.record_scan(session, gs1_for(lot), session.technician, typed_lot="X").use

    assert not use.is_hand_entry


def test_the_hand_entry_flag_is_sealed(ctx):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, lot_number="HX-5")
    lot.product.allows_manual_lot = True
    use = lifecycle.record_scan(
        session, _retail(lot.product), session.technician, typed_lot="HX-5"
    ).use
    session.sealed_digest = sealing.digest(session)

    use.is_hand_entry = False

    assert sealing.sealed_content(session)["uses"][0].get("hand_entry") is None
    assert not sealing.seal_matches(session)


def test_a_scanned_use_seals_as_before_hand_entry_existed(ctx):
    session = make_ready_session()
    lot = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)

    lifecycle.record_scan(session, gs1_for(lot), session.technician)

    assert "hand_entry" not in sealing.sealed_content(session)["uses"][0]


# The admin's setting ---------------------------------------------------------------------------


def test_admin_can_allow_hand_entry_for_a_product_and_it_is_audited(ctx):
    product, admin = make_product(ProductKind.OTHER), make_user(Role.ADMIN)

    catalogue.set_manual_lot_entry(product, True, admin)

    assert product.allows_manual_lot
    assert AuditEntry.query.filter_by(action="product.manual_lot_entry").count() == 1


def test_an_admin_of_another_clinic_cannot_change_the_setting(ctx):
    product, outsider = make_product(), make_user(Role.ADMIN, clinic=make_clinic())

    with pytest.raises(NotAllowed, match=r"^This product belongs to another clinic\.$"):
        catalogue.set_manual_lot_entry(product, True, outsider)

    assert not product.allows_manual_lot
