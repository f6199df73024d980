"""Barcode parsing (R27-R29): GS1 element strings, Digital Link, HIBC and our own labels."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smp_hygiene.errors import InvalidInput, MalformedBarcode, MalformedLabel
from smp_hygiene.services.barcodes.reader import ParsedBarcode, own_label_text, parse_barcode

TODAY = date(2026, 3, 1)
GTIN = "09501101530003"
RAW = f"01{GTIN}1726053110AB-123\x1d21XYZ"


def parse(text: str, today: date = TODAY) -> ParsedBarcode:
    return parse_barcode(text, today=today)


def test_hri_gives_gtin_lot_and_expiry():
    scan = parse(f"(01){GTIN}(17)260531(10)AB-123")

    assert (scan.symbology, scan.gtin, scan.lot, scan.expiry) == (
        "gs1",
        GTIN,
        "AB-123",
        date(2026, 5, 31),
    )


def test_hri_allows_spaces_between_fields():
    scan = parse(f"(01){GTIN} (17)260531 (10)AB-123")

    assert (scan.gtin, scan.lot) == (GTIN, "AB-123")


def test_hri_refuses_a_space_inside_a_lot():
    with pytest.raises(MalformedBarcode, match='Lot "AB 123" contains " "'):
        parse(f"(01){GTIN}(10)AB 123")


def test_raw_scan_with_aim_prefix_gives_all_fields_and_carrier():
    scan = parse("]d2" + RAW)

    assert (scan.gtin, scan.expiry, scan.lot, scan.serial, scan.carrier) == (
        GTIN,
        date(2026, 5, 31),
        "AB-123",
        "XYZ",
        "GS1 DataMatrix",
    )


@pytest.mark.parametrize(
    ("prefix", "carrier"),
    [("]C1", "GS1-128"), ("]Q3", "GS1 QR Code"), ("]e0", "GS1 DataBar"), ("", None)],
)
def test_aim_prefix_names_the_carrier(prefix, carrier):
    assert parse(prefix + RAW).carrier == carrier


@pytest.mark.parametrize(
    "separator", ["\x1d", "<GS>", "<gs>", "{GS}", "[GS]", "\\x1d", "\\x1D", "^]", "\u241d"]
)
def test_group_separator_substitutes_are_accepted(separator):
    scan = parse(f"01{GTIN}10AB-123{separator}17260531")

    assert (scan.lot, scan.expiry) == ("AB-123", date(2026, 5, 31))


def test_surrounding_whitespace_is_stripped_but_raw_is_kept():
    text = f"  ]d2{RAW}\r\n"

    scan = parse(text)

    assert (scan.serial, scan.raw) == ("XYZ", text)


def test_leading_fnc1_sent_as_gs_is_ignored():
    assert parse(f"]d2\x1d{RAW}").gtin == GTIN


def test_digital_link_gives_gtin_lot_and_expiry():
    scan = parse(f"https://id.gs1.org/01/{GTIN}/10/AB-123?17=260531")

    assert (scan.symbology, scan.gtin, scan.lot, scan.expiry) == (
        "gs1-digital-link",
        GTIN,
        "AB-123",
        date(2026, 5, 31),
    )


def test_digital_link_pads_a_gtin_13_to_14_digits():
    assert parse("https://example.com/01/9501101530003").gtin == GTIN


def test_web_link_without_gtin_is_refused():
    with pytest.raises(MalformedBarcode, match="not a GS1 Digital Link"):
        parse("https://example.com/products/42")


@pytest.mark.parametrize(
    "text",
    [
        "(01)09501101530004",
        "0109501101530004",
        "]d20109501101530004\x1d10A",
        "https://id.gs1.org/01/09501101530004",
    ],
)
def test_gtin_with_wrong_check_digit_is_refused(text):
    with pytest.raises(
        MalformedBarcode, match=r"GTIN 09501101530004 has a wrong check digit \(expected 3\)\."
    ):
        parse(text)


@pytest.mark.parametrize("text", ["01095011015", "(01)095011015"])
def test_truncated_gtin_is_refused(text):
    with pytest.raises(MalformedBarcode, match="GTIN 095011015 has only 9 digits"):
        parse(text)


def test_lot_without_gtin_is_returned_for_the_caller_to_judge():
    scan = parse("(10)AB-123(17)260531")

    assert (scan.gtin, scan.lot, scan.product_key) == (None, "AB-123", None)


@pytest.mark.parametrize(
    ("yymmdd", "expiry"),
    [
        ("260531", date(2026, 5, 31)),
        ("260500", date(2026, 5, 31)),  # DD=00: last day of the month
        ("280200", date(2028, 2, 29)),  # leap year
        ("270200", date(2027, 2, 28)),
        ("280229", date(2028, 2, 29)),
    ],
)
def test_expiry_dates_follow_gs1_rules(yymmdd, expiry):
    assert parse(f"(17){yymmdd}").expiry == expiry


@pytest.mark.parametrize(
    ("today", "yymmdd", "expiry"),
    [
        (date(2026, 3, 1), "760101", date(2076, 1, 1)),  # 50 years ahead: this century
        (date(2026, 3, 1), "770101", date(1977, 1, 1)),  # 51 ahead: previous century
        (date(2060, 3, 1), "100101", date(2110, 1, 1)),  # 50 behind: next century
        (date(2060, 3, 1), "110101", date(2011, 1, 1)),  # 49 behind: this century
    ],
)
def test_expiry_century_is_relative_to_today(today, yymmdd, expiry):
    assert parse(f"(17){yymmdd}", today=today).expiry == expiry


def test_leap_day_follows_the_century_chosen():
    # 2100 is not a leap year, so DD=00 in February is the 28th there.
    assert parse("(17)000200", today=date(2060, 1, 1)).expiry == date(2100, 2, 28)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(17)261332", r"Expiry 261332 is not a real date: month 13\."),
        ("(17)260231", r"Expiry 260231 is not a real date: day 31 \(that February has 28 days\)"),
        (f"01{GTIN}17261332", r"Expiry 261332 is not a real date: month 13\."),
        (f"01{GTIN}172602", r'Expiry "2602" must be 6 digits'),
        ("(11)250001", r"Production date 250001 is not a real date: month 0\."),
        ("https://id.gs1.org/01/09501101530003?17=261301", "Expiry 261301 .* month 13"),
    ],
)
def test_impossible_dates_are_refused(text, message):
    with pytest.raises(MalformedBarcode, match=message):
        parse(text)


def test_production_date_is_read():
    assert parse(f"(01){GTIN}(11)250115").production_date == date(2025, 1, 15)


@pytest.mark.parametrize("text", [f"(01){GTIN}(10){'A' * 21}", f"01{GTIN}10{'A' * 21}\x1d21X"])
def test_lot_over_20_characters_is_an_unsafe_label(text):
    with pytest.raises(MalformedLabel, match="21 characters long; GS1 allows at most 20"):
        parse(text)


def test_serial_over_20_characters_is_an_unsafe_label():
    with pytest.raises(MalformedLabel, match='Serial "S{21}" is 21 characters long'):
        parse(f"01{GTIN}21{'S' * 21}")


def test_lot_of_20_characters_is_accepted():
    assert parse(f"01{GTIN}10{'A' * 20}\x1d21X").lot == "A" * 20


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"01{GTIN}10AB12317260531",
            r'Lot "AB12317260531" looks like it swallowed an expiry \(17\)260531: '
            "the scanner may not be sending the GS separator",
        ),
        (f"01{GTIN}10AB1231726053121XYZ", r"swallowed an expiry \(17\)260531"),
        (f"01{GTIN}17260531" + "21SER911250115", r'Serial "SER911250115" .* \(11\)250115'),
        (f"10AB01{GTIN}", r"swallowed a GTIN \(01\)09501101530003"),
        (f"01{GTIN}10AB-12317260531\x1d21X", r"swallowed an expiry"),
    ],
)
def test_field_swallowed_for_lack_of_gs_is_flagged(text, message):
    with pytest.raises(MalformedLabel, match=message):
        parse(text)


@pytest.mark.parametrize(
    ("tail", "lot"),
    [
        ("102017110105", "2017110105"),  # date-style lot: an "expiry" in 2011 is not plausible
        ("10LOT1726", "LOT1726"),  # too short to hide a date
        ("1726053110AB12317270101", "AB12317270101"),  # the expiry is already there
        ("1017260531", "17260531"),  # a lot that is all "date" has swallowed nothing
        ("10AB12317261399", "AB12317261399"),  # not a real date
        (f"10AB01{GTIN[:-1]}4", f"AB01{GTIN[:-1]}4"),  # not a real GTIN
    ],
)
def test_ordinary_lots_are_not_flagged_as_swallowing(tail, lot):
    assert parse(f"01{GTIN}{tail}").lot == lot


def test_conflicting_duplicate_fields_are_refused():
    with pytest.raises(MalformedBarcode, match=r"\(10\) twice, with different values"):
        parse("(10)A(10)B")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Nothing was scanned"),
        ("  \r\n", "Nothing was scanned"),
        ("hello", r'"hello" is not a code we can read'),
        (f"01{GTIN}X", r'No GS1 field starts like "X" \(character 17 of the scan\)'),
        ("(1)22", r"\(1\) is not a GS1 field we know"),
        (f"(01){GTIN}junk(", "not a readable GS1"),
        ("(99)", "does not fit its GS1 format"),
    ],
)
def test_unreadable_scans_are_refused_precisely(text, message):
    with pytest.raises(MalformedBarcode, match=message):
        parse(text)


def test_hibc_scan_gives_labeler_product_lot_and_expiry():
    scan = parse("]A0+A123BJC5D6E71/$$3260531LOT7K")

    assert (scan.symbology, scan.hibc_lic, scan.hibc_product, scan.lot, scan.expiry) == (
        "hibc",
        "A123",
        "BJC5D6E7",
        "LOT7",
        date(2026, 5, 31),
    )


def test_hibc_product_key_joins_labeler_and_product():
    assert parse("+A123BJC5D6E71G").product_key == "HIBC:A123BJC5D6E7"


def test_hibc_typed_from_the_printed_asterisks_is_read():
    assert parse("*+A123BJC5D6E71G*").hibc_lic == "A123"


def test_hibc_with_wrong_check_character_is_refused():
    with pytest.raises(MalformedBarcode, match='expected "G"'):
        parse("+A123BJC5D6E71H")


@pytest.mark.parametrize(("kind", "symbology"), [("lot", "smph-lot"), ("pack", "smph-pack")])
def test_own_label_round_trips(kind, symbology):
    scan = parse(own_label_text(kind, "Ab3_x-9Zq"))

    assert (scan.symbology, scan.own_code, scan.product_key) == (symbology, "Ab3_x-9Zq", None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SMPH-BOX:abcdefgh", "should start with SMPH-LOT: or SMPH-PACK:"),
        ("SMPH-lot:abcdefgh", "should start with SMPH-LOT: or SMPH-PACK:"),
        ("SMPH-LOT:abc", "its code has 3 characters; ours have 8 to 64"),
        ("SMPH-PACK:" + "a" * 65, "its code has 65 characters"),
        ("SMPH-LOT:abcd/efgh", 'its code contains "/"'),
    ],
)
def test_own_label_lookalikes_are_refused(text, message):
    with pytest.raises(MalformedBarcode, match=message):
        parse(text)


@pytest.mark.parametrize(("kind", "code"), [("box", "abcdefgh"), ("lot", "short"), ("LOT", "ab")])
def test_own_label_text_refuses_what_could_not_be_read_back(kind, code):
    with pytest.raises(ValueError, match="Cannot print"):
        own_label_text(kind, code)


def test_as_json_has_iso_dates_and_product_key():
    data = parse("]d2" + RAW).as_json()

    assert data == {
        "symbology": "gs1",
        "raw": "]d2" + RAW,
        "gtin": GTIN,
        "lot": "AB-123",
        "expiry": "2026-05-31",
        "serial": "XYZ",
        "production_date": None,
        "hibc_lic": None,
        "hibc_product": None,
        "own_code": None,
        "carrier": "GS1 DataMatrix",
        "identifies_lot": True,
        "quantity": None,
        "expiry_time": None,
        "product_key": GTIN,
    }


GS1_ALPHABET = "0123456789()ABC-+$/\x1d ]d2<GS>:SMPH-LOT%.\r\n" + "https://id.gs1.org/01?17="


@given(
    st.one_of(
        st.text(),
        st.text(GS1_ALPHABET),
        st.builds(
            "".join,
            st.lists(
                st.sampled_from(
                    [
                        "01",
                        GTIN,
                        "10",
                        "17",
                        "21",
                        "11",
                        "260531",
                        "AB",
                        "\x1d",
                        "(",
                        ")",
                        "+",
                        "$$",
                        "]d2",
                        "/",
                    ]
                )
            ),
        ),
    )
)
def test_any_text_parses_or_raises_a_domain_error(text):
    try:
        scan = parse(text)
    except InvalidInput:
        return
    assert isinstance(scan, ParsedBarcode)


# --- (7003) expiry date and time; refusals that name the real fault ---------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"(01){GTIN}(7003)2605311030(10)AB",
        f"01{GTIN}70032605311030\x1d10AB",
        f"https://id.gs1.org/01/{GTIN}/10/AB?7003=2605311030",
    ],
)
def test_expiry_date_and_time_7003_counts_as_an_expiry(text):
    scan = parse(text)

    assert (scan.expiry, scan.expiry_time, scan.lot) == (date(2026, 5, 31), time(10, 30), "AB")


@given(st.dates(date(2000, 1, 1), date(2049, 12, 31)), st.times())
def test_any_7003_expiry_gives_its_date_and_time(day, moment):
    scan = parse(f"(01){GTIN}(7003){day:%y%m%d}{moment:%H%M}", today=date(2025, 1, 1))

    assert (scan.expiry, scan.expiry_time) == (day, moment.replace(second=0, microsecond=0))


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (f"(01){GTIN}(7003)2605312530", MalformedBarcode, "not a real time: 25:30"),
        (f"(01){GTIN}(7003)2613311030", MalformedBarcode, "261331 is not a real date: month 13"),
        (
            f"(01){GTIN}(17)260531(7003)2605301030",
            MalformedLabel,
            r"two different expiries: \(17\) 2026-05-31 and \(7003\) 2026-05-30",
        ),
    ],
)
def test_unreadable_or_contradicting_7003_is_refused(text, error, message):
    with pytest.raises(error, match=message):
        parse(text)


@pytest.mark.parametrize(
    "text",
    [f"(01){GTIN}1", f"01{GTIN}1", f"]d201{GTIN}1\x1d10AB", f"https://id.gs1.org/01/{GTIN}1"],
)
def test_a_15_digit_gtin_says_it_has_15_digits(text):
    with pytest.raises(MalformedBarcode, match=f"GTIN {GTIN}1 (in the web link )?has 15 digits"):
        parse(text)


@pytest.mark.parametrize("stray", ["x", "-", "%20", ".", "A"])
def test_a_digital_link_with_stray_characters_names_them(stray):
    shown_stray = " " if stray == "%20" else stray

    with pytest.raises(
        MalformedBarcode,
        match=f'GTIN "{GTIN}{re.escape(shown_stray)}" in the web link contains '
        f'"{re.escape(shown_stray)}", which is not a digit',
    ):
        parse(f"https://id.gs1.org/01/{GTIN}{stray}/10/AB")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/21/XYZ/10/AB", "puts /10/ after /21/: a GS1 Digital Link orders them /22/, /10/, /21/"),
        ("/10/AB/22/V1", "puts /22/ after /10/"),
        ("/21/XYZ/22/V1", "puts /22/ after /21/"),
        ("/10/AB/10/CD", "has /10/ twice"),
        ("/17/260531", "has /17/ after the GTIN, which is not a key qualifier"),
        ("/10", "ends with /10 and no value after it"),
    ],
)
def test_a_digital_link_with_misplaced_qualifiers_says_so(path, message):
    with pytest.raises(MalformedBarcode, match=re.escape(message)):
        parse(f"https://id.gs1.org/01/{GTIN}{path}")


@pytest.mark.parametrize("path", ["/10/AB", "/21/XYZ", "/22/V1/10/AB/21/XYZ"])
def test_a_digital_link_in_gs1_order_is_read(path):
    assert parse(f"https://example.com/shop/01/{GTIN}{path}").gtin == GTIN


@pytest.mark.parametrize("gtin", ["96385074", "036000291452", "9501101530003", GTIN])
def test_a_digital_link_accepts_every_gtin_length(gtin):
    assert parse(f"https://id.gs1.org/01/{gtin}").gtin == gtin.zfill(14)
