"""Receiving lots from real barcodes, and the rules that make a lot unusable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smp_hygiene.errors import MalformedBarcode, MalformedLabel, UnknownProduct, UnsafeSupply
from smp_hygiene.models import AuditEntry, LotStatus, ProductKind, RecallScope, Role
from smp_hygiene.services.lots.identity import normalise_lot
from smp_hygiene.services.recalls import operations
from smp_hygiene.services.supplies import receiving as supplies
from smp_hygiene.services.supplies import usability
from smp_hygiene.services.supplies.receiving import PigmentLabel
from smp_hygiene.timeutil import utcnow
from tests.factories import make_clinic, make_lot, make_product, make_user

COMPLIANT = PigmentLabel(has_tattoo_use_statement=True, ingredients="Aqua, CI 77266")


def test_technician_can_receive_a_pigment_lot_from_a_raw_gs1_scan(ctx):
    product, user = make_product(ProductKind.PIGMENT), make_user()
    raw = f"]d201{product.gtin}17280531\x1d10AB-123"

    lot = supplies.receive_lot(product.clinic, raw, user, label=COMPLIANT)

    assert (lot.product, lot.lot_number, lot.expiry_date) == (product, "AB-123", date(2028, 5, 31))
    assert lot.status is LotStatus.AVAILABLE
    assert lot.raw_barcode == raw
    assert AuditEntry.query.filter_by(action="lot.received").count() == 1


def test_receiving_the_same_lot_again_adds_stock_instead_of_a_second_lot(ctx):
    product, user = make_product(ProductKind.PIGMENT), make_user()
    raw = f"(01){product.gtin}(17)280531(10)AB-123"
    first = supplies.receive_lot(product.clinic, raw, user, label=COMPLIANT, quantity=2)

    again = supplies.receive_lot(product.clinic, raw, user, label=COMPLIANT, quantity=3)

    assert again is first
    assert first.quantity_received == 5


def test_needle_lot_takes_its_sterility_expiry_from_the_barcode(ctx):
    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()

    lot = supplies.receive_lot(product.clinic, f"(01){product.gtin}(17)271200(10)N-77", user)

    assert lot.sterility_expiry == date(2027, 12, 31)


def test_unknown_gtin_asks_for_the_product(ctx):
    clinic, user = make_clinic(), make_user()

    with pytest.raises(UnknownProduct, match="not in the catalogue yet: choose which product"):
        supplies.receive_lot(clinic, "(01)09501101530003(17)280531(10)AB-1", user)


def test_a_bad_gtin_check_digit_is_refused(ctx):
    clinic, user = make_clinic(), make_user()

    with pytest.raises(MalformedBarcode, match="check digit"):
        supplies.receive_lot(clinic, "(01)09501101530004(17)280531(10)AB-1", user)


def test_a_sterile_cartridge_without_expiry_is_a_malformed_label(ctx):
    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()

    with pytest.raises(MalformedLabel, match="no expiry date: a sterile needle cartridge"):
        supplies.receive_lot(product.clinic, f"(01){product.gtin}(10)N-77", user)


@pytest.mark.parametrize("placeholder", ["N/A", "000", "XXX"])
def test_a_placeholder_batch_number_is_refused(ctx, placeholder):
    product, user = make_product(ProductKind.PIGMENT), make_user()

    with pytest.raises(MalformedLabel, match="no usable lot number"):
        supplies.receive_lot(product.clinic, f"(01){product.gtin}(17)280531(10){placeholder}", user)


def test_pigment_without_label_data_is_non_compliant_where_the_clinic_requires_it(ctx):
    product, user = make_product(ProductKind.PIGMENT), make_user()

    lot = supplies.receive_lot(product.clinic, f"(01){product.gtin}(17)280531(10)B1", user)

    assert lot.status is LotStatus.NON_COMPLIANT_LABEL
    assert "ingredient list" in lot.status_reason


def test_pigment_without_label_data_is_accepted_where_the_clinic_does_not_require_it(ctx):
    clinic = make_clinic(requires_eu_ink_label=False)
    product, user = make_product(ProductKind.PIGMENT, clinic=clinic), make_user(clinic=clinic)

    lot = supplies.receive_lot(clinic, f"(01){product.gtin}(17)280531(10)B1", user)

    assert lot.status is LotStatus.AVAILABLE


def test_an_expired_pigment_lot_is_refused_with_its_date(ctx):
    lot = make_lot(lot_number="23B0412", expiry_date=date(2026, 10, 31))

    with pytest.raises(UnsafeSupply, match=r"^Pigment lot 23B0412 expired on 2026-10-31\.$"):
        usability.check_lot_usable(lot, date(2026, 11, 1))


def test_a_lot_is_usable_on_its_expiry_day(ctx):
    lot = make_lot(expiry_date=date(2026, 10, 31))

    usability.check_lot_usable(lot, date(2026, 10, 31))


def test_a_needle_lot_past_sterility_expiry_is_refused(ctx):
    lot = make_lot(
        kind=ProductKind.NEEDLE_CARTRIDGE,
        lot_number="N1",
        expiry_date=date(2027, 1, 1),
        sterility_expiry=date(2026, 9, 30),
    )

    with pytest.raises(
        UnsafeSupply, match="no longer guaranteed sterile .sterility expiry 2026-09-30"
    ):
        usability.check_lot_usable(lot, date(2026, 11, 1))


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (LotStatus.RECALLED, "was recalled .Heavy metals; A12/0097/17.. Do not use it"),
        (LotStatus.QUARANTINED, "is quarantined .Heavy metals; A12/0097/17."),
        (LotStatus.NON_COMPLIANT_LABEL, "has a non-compliant label"),
        (LotStatus.USED_UP, "is marked as used up"),
    ],
)
def test_a_lot_that_is_not_available_is_refused(ctx, status, words):
    lot = make_lot(status=status, status_reason="Heavy metals", status_reference="A12/0097/17")

    with pytest.raises(UnsafeSupply, match=words):
        usability.check_lot_usable(lot, date.today())


def test_a_bottle_opened_longer_than_its_period_after_opening_is_refused(ctx):
    product = make_product(ProductKind.PIGMENT, period_after_opening_months=6)
    lot = make_lot(product, lot_number="P6", opened_at=utcnow() - timedelta(days=200))

    with pytest.raises(UnsafeSupply, match="6-month period after opening ended on"):
        usability.check_lot_usable(lot, date.today())


def test_lot_numbers_are_matched_on_their_normalised_form(ctx):
    assert normalise_lot("Lot-Nr. D 199") == normalise_lot("d199") == "D199"


def test_add_months_clamps_to_the_end_of_a_short_month():
    assert usability.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_a_lot_received_after_its_recall_opened_arrives_blocked(ctx):
    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    make_lot(product, lot_number="D190")
    operations.open_recall(
        make_user(Role.AUDITOR),
        product,
        RecallScope.LOT_RANGE,
        ["D190", "D199"],
        "Seal defect",
        "Manufacturer notice 2026-11",
    )

    lot = supplies.receive_lot(product.clinic, f"(01){product.gtin}(17)290101(10)D195", user)

    assert lot.status is LotStatus.RECALLED
    assert "Seal defect" in lot.status_reason


def test_a_lot_outside_an_open_recall_arrives_available(ctx):
    from tests.factories import make_recall

    product, user = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    make_recall([make_lot(product, lot_number="D190")])

    lot = supplies.receive_lot(product.clinic, f"(01){product.gtin}(17)290101(10)D191", user)

    assert lot.status is LotStatus.AVAILABLE
