"""The catalogue: a product is found by its GTIN or by its HIBC labeler + product code."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smp_hygiene.errors import AlreadyExists, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import Product, ProductKind
from smp_hygiene.services.barcodes.hibc import check_char
from smp_hygiene.services.barcodes.reader import parse_barcode
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.services.supplies import receiving as supplies
from tests.factories import make_clinic, make_product, make_user

HIBC = "A123BJC5D6E7"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def add(clinic, **fields) -> Product:
    fields.setdefault("kind", ProductKind.NEEDLE_CARTRIDGE)
    return catalogue.add_product(clinic, None, manufacturer="Acme", name="1RL 0.25", **fields)


def signed(data: str) -> str:
    return data + check_char(data)


def test_admin_can_add_a_product_by_its_hibc_code(ctx):
    product = add(make_clinic(), hibc_code=f" {HIBC.lower()} ")

    assert (product.hibc_code, product.product_key, product.gtin) == (HIBC, f"HIBC:{HIBC}", None)


def test_a_scanned_hibc_primary_gives_the_products_hibc_code(ctx):
    assert add(make_clinic(), hibc_code="+A123BJC5D6E71G").hibc_code == HIBC


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        ("1123BJC", InvalidInput, 'HIBC code "1123BJC" must be the 4-character labeler code'),
        ("A123", InvalidInput, "followed by the product code"),
        ("A123" + "B" * 19, InvalidInput, "1 to 18 capitals or digits"),
        ("A123-B", InvalidInput, 'HIBC code "A123-B" must be'),
        ("+$$3260531LOT7G" + check_char("+$$3260531LOT7G"), InvalidInput, "is an HIBC secondary"),
    ],
)
def test_an_unusable_hibc_code_is_refused(ctx, code, error, message):
    with pytest.raises(error, match=message):
        add(make_clinic(), hibc_code=code)


def test_an_hibc_code_is_unique_within_the_clinic(ctx):
    clinic = make_clinic()
    add(clinic, hibc_code=HIBC)

    with pytest.raises(AlreadyExists, match=f"HIBC product {HIBC} is already in the catalogue"):
        add(clinic, hibc_code=HIBC)


def test_another_clinic_may_list_the_same_hibc_product(ctx):
    add(make_clinic(), hibc_code=HIBC)

    assert add(make_clinic(), hibc_code=HIBC).hibc_code == HIBC


@pytest.mark.parametrize("gtin", ["96385074", "9501101530003", "09501101530003"])
def test_a_gtin_of_any_length_is_kept_as_14_digits(ctx, gtin):
    assert add(make_clinic(), gtin=gtin).gtin == gtin.zfill(14)


@pytest.mark.parametrize(
    "scan",
    [
        "+A123BJC5D6E71G",  # primary only
        signed(f"+{HIBC}1/$$3290531LOT7"),  # combined, another unit of measure too
        signed(f"+{HIBC}9/$$900010LOT7/S12"),
        "(01)09501101530003(10)LOT7",
        "]E09501101530003",  # the EAN-13 on the box
    ],
)
def test_a_product_with_gtin_and_hibc_is_found_by_either_barcode(ctx, scan):
    clinic = make_clinic()
    product = add(clinic, gtin="09501101530003", hibc_code=HIBC)
    make_product(clinic=clinic, gtin="09501101530010")  # another product, not to be found

    assert catalogue.find_for_scan(clinic, parse_barcode(scan)) is product


def test_an_unknown_or_keyless_scan_finds_nothing(ctx):
    clinic = make_clinic()
    add(clinic, hibc_code=HIBC)

    assert catalogue.find_for_scan(clinic, parse_barcode(signed("+B123BJC5D6E71"))) is None
    assert catalogue.find_for_scan(clinic, parse_barcode("(10)LOT7")) is None


def test_another_clinics_product_is_not_found(ctx):
    add(make_clinic(), hibc_code=HIBC)

    assert catalogue.find_for_scan(make_clinic(), parse_barcode("+A123BJC5D6E71G")) is None


# Each example rolls back what it added, so sharing the app between examples is safe.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.tuples(st.sampled_from(ALNUM[10:]), st.text(ALNUM, min_size=3, max_size=3)).map("".join),
    st.text(ALNUM, min_size=1, max_size=18),
    st.integers(0, 9),
)
def test_any_hibc_product_is_found_by_its_label(app, lic, product_code, unit):
    with app.app_context():
        clinic = make_clinic()
        product = add(clinic, hibc_code=f"{lic}{product_code}")

        found = catalogue.find_for_scan(
            clinic, parse_barcode(signed(f"+{lic}{product_code}{unit}"))
        )

        assert found is product
        db.session.rollback()


def test_an_hibc_labelled_lot_is_received_without_naming_the_product(ctx):
    user = make_user()
    product = add(user.clinic, hibc_code="J123AQ345")

    label = signed("+J123AQ3451/$$1130BC34567/S4012")  # the label, expiring 11/2030

    lot = supplies.receive_lot(user.clinic, label, user)

    assert (lot.product, lot.lot_number, lot.expiry_date) == (
        product,
        "BC34567",
        date(2030, 11, 30),
    )


def test_add_product_takes_an_hibc_code_from_the_command_line(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["create-clinic", "Ink & Scalp", "--jurisdiction", "US-OR"])

    result = runner.invoke(
        args=["add-product", "needle_cartridge", "Acme", "1RL", "--hibc", "+A123BJC5D6E71G"]
    )

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.query(Product.hibc_code).scalar() == HIBC


def test_add_product_explains_a_bad_hibc_code_on_the_command_line(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["create-clinic", "Ink & Scalp", "--jurisdiction", "US-OR"])

    result = runner.invoke(args=["add-product", "needle_cartridge", "Acme", "1RL", "--hibc", "1X"])

    assert result.exit_code == 1
    assert 'HIBC code "1X" must be the 4-character labeler code' in result.output
