"""Plain retail codes (EAN-8, UPC-E, UPC-A, EAN-13, ITF-14): a GTIN, never GS1 element strings.

Sources: GS1 General Specifications §5.2 (EAN/UPC), §5.3 (ITF-14), §7.9 (check digit, R27); AIM
symbology identifiers ]E0 (EAN-13/UPC-A/UPC-E), ]E4 (EAN-8), ]I0/]I1 (ITF), ]C0 (Code 128).
"""

from __future__ import annotations

from datetime import date

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given
from hypothesis import strategies as st

from smp_hygiene.errors import MalformedBarcode, MalformedLabel
from smp_hygiene.services.barcodes.reader import ParsedBarcode, parse_barcode
from smp_hygiene.services.barcodes.retail import expand_upc_e

TODAY = date(2026, 3, 1)


def parse(text: str) -> ParsedBarcode:
    return parse_barcode(text, today=TODAY)


def with_check_digit(data: str) -> str:
    return data + str(gs1_standard_check_digit(data))


def only_a_gtin(scan: ParsedBarcode) -> bool:
    """The scan names a product and says nothing else: no lot, expiry, serial or date."""
    return (scan.lot, scan.expiry, scan.serial, scan.production_date, scan.identifies_lot) == (
        None,
        None,
        None,
        None,
        False,
    )


def test_ean_13_with_its_symbology_prefix_is_a_gtin_not_a_serial():
    scan = parse("]E02112345678900")

    assert (scan.symbology, scan.gtin, scan.carrier) == ("gs1-retail", "02112345678900", "EAN-13")
    assert only_a_gtin(scan)


def test_bare_ean_8_is_a_gtin_not_ai_96():
    scan = parse("96385074")

    assert (scan.gtin, scan.carrier, scan.product_key) == ("00000096385074", "EAN-8", scan.gtin)
    assert only_a_gtin(scan)


@pytest.mark.parametrize(
    ("text", "gtin", "carrier"),
    [
        ("]E496385074", "00000096385074", "EAN-8"),
        ("]E00036000291452", "00036000291452", "EAN-13"),  # UPC-A sent as 13 digits
        ("]E0036000291452", "00036000291452", "UPC-A"),
        ("036000291452", "00036000291452", "UPC-A"),
        ("]E001234565", "00012345000065", "UPC-E"),  # UPC-E 0123456(5) is UPC-A 012345000065
        ("]I109501101530003", "09501101530003", "ITF-14"),
        ("]I009501101530003", "09501101530003", "ITF-14"),
        ("]C009501101530003", "09501101530003", "GTIN-14"),
        ("09501101530003", "09501101530003", "GTIN-14"),
        ("  9501101530003\r\n", "09501101530003", "EAN-13"),
    ],
)
def test_each_retail_carrier_gives_a_padded_gtin_and_nothing_else(text, gtin, carrier):
    scan = parse(text)

    assert (scan.gtin, scan.carrier, scan.raw) == (gtin, carrier, text)
    assert only_a_gtin(scan)


@pytest.mark.parametrize(
    ("upc_e", "upc_a"),
    [
        ("01234565", "012345000065"),  # last digit 5-9: manufacturer 12345, item 6
        ("04252614", "042100005264"),  # last digit 0-2: 042 + 1 ... 00526
        ("01234531", "012300000451"),  # last digit 3
        ("01234542", "012340000052"),  # last digit 4
    ],
)
def test_upc_e_expands_to_its_upc_a(upc_e, upc_a):
    assert expand_upc_e(upc_e)[:-1] == upc_a[:-1]


@given(st.sampled_from([7, 11, 12, 13]), st.data())
def test_any_retail_code_with_a_right_check_digit_gives_only_its_gtin(width, data):
    digits = data.draw(st.text("0123456789", min_size=width, max_size=width))
    code = with_check_digit(digits)

    scan = parse(code)

    assert scan.gtin == code.zfill(14)
    assert only_a_gtin(scan)


@given(st.sampled_from([7, 11, 12, 13]), st.data())
def test_any_retail_code_with_a_wrong_check_digit_is_refused(width, data):
    digits = data.draw(st.text("0123456789", min_size=width, max_size=width))
    right = gs1_standard_check_digit(digits)
    wrong = data.draw(st.integers(0, 9).filter(lambda digit: digit != right))

    with pytest.raises(
        MalformedBarcode, match=rf"{digits}{wrong} has a wrong check digit \(expected {right}\)"
    ):
        parse(f"{digits}{wrong}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("96385075", r"EAN-8 96385075 has a wrong check digit \(expected 4\)"),
        ("]E02112345678901", r"EAN-13 2112345678901 has a wrong check digit \(expected 0\)"),
        ("]E4963850741", "has 9 digits; this scanner type sends 8"),
        ("]E02112345678", "has 10 digits; this scanner type sends 8, 12, 13"),
        ("]E0021123456789000", "has 15 digits; this scanner type sends 8, 12, 13"),
        ("]I10950110153000", "has 13 digits; this scanner type sends 14"),
        ("]E0211234A678900", 'contains "A": EAN, UPC and ITF-14 hold digits only'),
        ("]E42112345", "has 7 digits; this scanner type sends 8"),
        ("]E021234565", "UPC-E 21234565 must start with 0 or 1"),
    ],
)
def test_unreadable_retail_codes_are_refused_naming_the_fault(text, message):
    with pytest.raises(MalformedBarcode, match=message):
        parse(text)


@given(
    st.text("0123456789", min_size=1, max_size=30).filter(lambda t: len(t) not in (8, 12, 13, 14))
)
def test_bare_digits_of_other_lengths_are_read_as_gs1_element_strings(text):
    # Read as element strings, or refused as such; never as a retail code. (An element string
    # may itself name no lot, e.g. "(01)" and a GTIN alone: that is not what this tests.)
    try:
        outcome = parse(text).symbology
    except (MalformedBarcode, MalformedLabel) as refused:
        outcome = "refused as a retail code" if "Retail" in str(refused) else "gs1"

    assert outcome == "gs1"


def test_gs1_element_strings_are_not_taken_for_retail_codes():
    scan = parse("0109501101530003" + "17260531")

    assert (scan.symbology, scan.identifies_lot, scan.expiry) == ("gs1", True, date(2026, 5, 31))
