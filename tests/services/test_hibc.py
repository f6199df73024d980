"""HIBC LIC parsing (R30): structure, dates, mod-43 check character."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smp_hygiene.errors import MalformedBarcode, MalformedLabel
from smp_hygiene.services.barcodes.hibc import CHARSET, HibcLabel, check_char, parse_hibc

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PRIMARY = "+A123BJC5D6E71"  # published HIBC example; its check character is G


def signed(data: str) -> str:
    """Append the check character, as a label printer would."""
    return data + check_char(data)


def test_check_char_is_sum_of_values_mod_43():
    # + A 1 2 3 B J C 5 D 6 E 7 1 = 41+10+1+2+3+11+19+12+5+13+6+14+7+1 = 145; 145 % 43 = 16 -> G
    assert check_char(PRIMARY) == "G"


def test_primary_gives_labeler_product_and_unit():
    label = parse_hibc(PRIMARY + "G")

    assert label == HibcLabel(lic="A123", product="BJC5D6E7", unit_of_measure=1)


def test_wrong_check_char_is_refused_naming_the_expected_one():
    with pytest.raises(MalformedBarcode, match='wrong check character "H" \\(expected "G"\\)'):
        parse_hibc(PRIMARY + "H")


def test_space_is_a_valid_check_character():
    data = next(f"+A123B{c}1" for c in ALNUM if check_char(f"+A123B{c}1") == " ")

    label = parse_hibc(data + " ")

    assert label.product == data[5:-1]


@pytest.mark.parametrize(
    ("secondary", "expiry"),
    [
        ("$$0526LOT7", date(2026, 5, 31)),  # MMYY: last day of the month
        ("$$0228LOT7", date(2028, 2, 29)),  # MMYY in a leap year
        ("$$2053126LOT7", date(2026, 5, 31)),  # MMDDYY
        ("$$3260531LOT7", date(2026, 5, 31)),  # YYMMDD
        ("$$426053114LOT7", date(2026, 5, 31)),  # YYMMDDHH: the hour is dropped
        ("$$526151LOT7", date(2026, 5, 31)),  # YYJJJ: day 151 of 2026
        ("$$62615123LOT7", date(2026, 5, 31)),  # YYJJJHH
        ("$$8100526LOT7", date(2026, 5, 31)),  # 2-digit quantity, then MMYY
        ("$$9000103260531LOT7", date(2026, 5, 31)),  # 5-digit quantity, then YYMMDD
    ],
)
def test_combined_label_reads_each_date_format(secondary, expiry):
    label = parse_hibc(signed(f"{PRIMARY}/{secondary}"))

    assert (label.lic, label.product, label.lot, label.expiry) == (
        "A123",
        "BJC5D6E7",
        "LOT7",
        expiry,
    )


def test_secondary_without_date_gives_lot_only():
    label = parse_hibc(signed(f"{PRIMARY}/$$7LOT7"))

    assert (label.lot, label.expiry) == ("LOT7", None)


def test_quantity_is_read():
    label = parse_hibc(signed(f"{PRIMARY}/$$9001200526LOT7"))

    assert label.quantity == 120


def test_dollar_plus_dollar_carries_a_serial_with_date():
    label = parse_hibc(signed(f"{PRIMARY}/$$+3260531SER9"))

    assert (label.serial, label.lot, label.expiry) == ("SER9", None, date(2026, 5, 31))


def test_dollar_plus_carries_a_serial_only():
    label = parse_hibc(signed(f"{PRIMARY}/$+SER9"))

    assert (label.serial, label.expiry) == ("SER9", None)


def test_standalone_secondary_keeps_its_link_character():
    label = parse_hibc(signed("+$$3260531LOT7G"))

    assert (label.lot, label.expiry, label.link, label.lic) == (
        "LOT7",
        date(2026, 5, 31),
        "G",
        None,
    )


def test_standalone_lot_only_secondary():
    label = parse_hibc(signed("+$LOT7G"))

    assert (label.lot, label.link) == ("LOT7", "G")


def test_old_julian_secondary_gives_date_and_lot():
    label = parse_hibc(signed("+26151LOT7G"))

    assert (label.expiry, label.lot) == (date(2026, 5, 31), "LOT7")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("+1123BJC5D6E71", 'labeler code "1123" must start with a letter'),
        ("+A123BJC5D6E7X", 'unit of measure "X" must be a digit'),
        ("+A123B", "needs a 4-character labeler code"),
        ("+A123" + "B" * 19 + "1", "longer than 18 characters"),
        (f"{PRIMARY}/$$1326LOT", "expiry 1326 is not a real date: month 13"),
        (f"{PRIMARY}/$$3260230LOT", "expiry 260230 is not a real date: day 30"),
        (f"{PRIMARY}/$$526366LOT", "expiry 26366 is not a real date: day 366"),
        (f"{PRIMARY}/$$42605312LOT", 'expiry "2605312L" must be 8 digits'),
        (f"{PRIMARY}/$$426053125LOT", "expiry 26053125 is not a real date: hour 25"),
        (f"{PRIMARY}/$$5LOT", 'expiry "LOT" must be 5 digits'),
        (f"{PRIMARY}/$$X26LOT", 'date format "X"'),
        (f"{PRIMARY}/$$8X0526", 'quantity "X0" must be 2 digits'),
        (f"{PRIMARY}/LOT", 'secondary data "LOT" must start with "\\$"'),
        ("+$G", "empty lot"),
    ],
)
def test_unreadable_structure_is_refused_precisely(data, message):
    with pytest.raises(MalformedBarcode, match=message):
        parse_hibc(signed(data))


def test_lowercase_is_refused_with_a_caps_lock_hint():
    with pytest.raises(MalformedBarcode, match='"a" at character 2.*Caps Lock'):
        parse_hibc("+a123BJC5D6E71G")


def test_text_without_plus_is_not_hibc():
    with pytest.raises(MalformedBarcode, match='must start with "\\+"'):
        parse_hibc("A123BJC5D6E71G")


def test_lot_over_18_characters_is_an_unsafe_label():
    with pytest.raises(MalformedLabel, match="19 characters long; HIBC allows at most 18"):
        parse_hibc(signed(f"{PRIMARY}/$$7" + "L" * 19))


def test_lot_of_18_characters_is_accepted():
    label = parse_hibc(signed(f"{PRIMARY}/$$7" + "L" * 18))

    assert label.lot == "L" * 18


# --- property tests -------------------------------------------------------------------------

lics = st.tuples(st.sampled_from(ALNUM[10:]), st.text(ALNUM, min_size=3, max_size=3)).map("".join)
products = st.text(ALNUM, min_size=1, max_size=13)
lots = st.text(ALNUM + "-.", min_size=1, max_size=18)
expiries = st.dates(date(2000, 1, 1), date(2099, 12, 31))
DATE_LAYOUTS = ["2", "3", "4", "5", "6"]


def encode_date(layout: str, day: date) -> str:
    """Write `day` the way HIBC's `$$<layout>` does (hour 12 where the layout wants one)."""
    yy, julian = f"{day:%y}", f"{day.timetuple().tm_yday:03d}"
    return {
        "2": f"2{day:%m%d}{yy}",
        "3": f"3{yy}{day:%m%d}",
        "4": f"4{yy}{day:%m%d}12",
        "5": f"5{yy}{julian}",
        "6": f"6{yy}{julian}12",
    }[layout]


@given(lics, products, st.integers(0, 9), lots, expiries, st.sampled_from(DATE_LAYOUTS))
def test_combined_label_round_trips(lic, product, unit, lot, expiry, layout):
    text = signed(f"+{lic}{product}{unit}/$${encode_date(layout, expiry)}{lot}")

    label = parse_hibc(text)

    assert (label.lic, label.product, label.unit_of_measure) == (lic, product, unit)
    assert (label.lot, label.expiry) == (lot, expiry)


@given(lics, products, st.integers(0, 9), lots, expiries)
def test_month_year_expiry_round_trips_to_the_last_day(lic, product, unit, lot, expiry):
    text = signed(f"+{lic}{product}{unit}/$${expiry:%m%y}{lot}")

    label = parse_hibc(text)

    last_day = (expiry.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    assert (label.lot, label.expiry) == (lot, last_day)


@given(
    lics,
    products,
    st.integers(0, 9),
    lots,
    st.data(),
)
def test_any_single_character_substitution_is_refused(lic, product, unit, lot, data):
    text = signed(f"+{lic}{product}{unit}/$$7{lot}")
    position = data.draw(st.integers(0, len(text) - 1))
    char = data.draw(st.sampled_from(CHARSET + "abc*#\x1d").filter(lambda c: c != text[position]))

    with pytest.raises((MalformedBarcode, MalformedLabel)):  # refused, whichever part names it
        parse_hibc(text[:position] + char + text[position + 1 :])


@given(lics, products, st.integers(0, 9), lots, st.data())
def test_dropping_a_character_is_refused_or_changes_the_result(lic, product, unit, lot, data):
    text = signed(f"+{lic}{product}{unit}/$$7{lot}")
    position = data.draw(st.integers(0, len(text) - 1))
    original = parse_hibc(text)

    try:
        changed = parse_hibc(text[:position] + text[position + 1 :])
    except (MalformedBarcode, MalformedLabel):
        return
    assert changed != original


# --- ANSI/HIBC 2.6 (2016): the standard's own examples, and its supplemental data (§2.3.2) -----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # §2.3.2: concatenated primary/secondary with production date and serial number
        (
            "+A99912345/$$52001510X3/16D20111212/S77DEFG457",
            HibcLabel(
                lic="A999",
                product="1234",
                unit_of_measure=5,
                lot="10X3",
                serial="77DEFG45",
                expiry=date(2020, 1, 15),
                production_date=date(2011, 12, 12),
            ),
        ),
        # §2.3.2.3: production date and expiry date after a lot-only secondary
        (
            "+A99912345/$10X3/16D20111231/14D202001313",
            HibcLabel(
                lic="A999",
                product="1234",
                unit_of_measure=5,
                lot="10X3",
                expiry=date(2020, 1, 31),
                production_date=date(2011, 12, 31),
            ),
        ),
        # §2.3.2.4: quantity as the last supplemental field
        (
            "+A99912349/$10X3/16D20111231/14D20200131/Q500Z",
            HibcLabel(
                lic="A999",
                product="1234",
                unit_of_measure=9,
                lot="10X3",
                expiry=date(2020, 1, 31),
                production_date=date(2011, 12, 31),
                quantity=500,
            ),
        ),
        # §2.2.1.1: concatenated primary and secondary, YYJJJ expiry
        (
            "+A99912345/$$52001510X33",
            HibcLabel(
                lic="A999", product="1234", unit_of_measure=5, lot="10X3", expiry=date(2020, 1, 15)
            ),
        ),
        # §4.3.2: standalone secondary, linked to its primary by the link character G
        (
            "+$$52001510X3GD",
            HibcLabel(lot="10X3", expiry=date(2020, 1, 15), link="G"),
        ),
        # Appendix E1.1: standalone lot without a date
        ("+$A1234GU", HibcLabel(lot="A1234", link="G")),
        # Appendix C.3: a primary with a long product code
        ("+H123ABC01234567890D", HibcLabel(lic="H123", product="ABC0123456789", unit_of_measure=0)),
    ],
)
def test_the_standards_examples_are_read_as_published(text, expected):
    assert parse_hibc(text) == expected


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        # MMYY 1125 is November 2025; /S opens the serial, which is not part of the lot.
        (
            "+J123AQ3451/$$1125BC34567/S4012L",
            ("J123", "AQ345", "BC34567", "4012", date(2025, 11, 30), None),
        ),
        # $$7: lot without a date in the secondary; the expiry comes from /14D.
        (
            "+E308T800206X0/$$7230513/14D20260413F",
            ("E308", "T800206X", "230513", None, date(2026, 4, 13), None),
        ),
        # $$9: a 5-digit quantity and nothing else.
        ("+EHWD3551419/$$900100F", ("EHWD", "355141", None, None, None, 100)),
    ],
)
def test_real_labels_keep_supplemental_data_out_of_the_lot(text, fields):
    label = parse_hibc(text)

    assert (
        label.lic,
        label.product,
        label.lot,
        label.serial,
        label.expiry,
        label.quantity,
    ) == fields


supplements = st.fixed_dictionaries(
    {},
    optional={
        "serial": st.text(ALNUM + "-.", min_size=1, max_size=18),
        "production_date": st.dates(date(2000, 1, 1), date(2099, 12, 31)),
        "expiry": st.dates(date(2000, 1, 1), date(2099, 12, 31)),
        "quantity": st.integers(0, 99999),
    },
)


def encode_supplements(fields: dict) -> str:
    """Write supplemental fields as HIBC 2.6 §2.3.2 does, the quantity last."""
    parts = []
    if "serial" in fields:
        parts.append(f"/S{fields['serial']}")
    if "production_date" in fields:
        parts.append(f"/16D{fields['production_date']:%Y%m%d}")
    if "expiry" in fields:
        parts.append(f"/14D{fields['expiry']:%Y%m%d}")
    if "quantity" in fields:
        parts.append(f"/Q{fields['quantity']}")
    return "".join(parts)


@given(lics, st.text(ALNUM, min_size=1, max_size=18), st.integers(0, 9), lots, supplements)
def test_any_supplemental_fields_round_trip_beside_the_lot(lic, product, unit, lot, fields):
    text = signed(f"+{lic}{product}{unit}/$${'7'}{lot}{encode_supplements(fields)}")

    label = parse_hibc(text)

    assert (label.lic, label.product, label.lot) == (lic, product, lot)
    assert {key: getattr(label, key) for key in fields} == fields


@given(st.text(ALNUM, min_size=1, max_size=18))
def test_product_codes_up_to_18_characters_are_read(product):
    assert parse_hibc(signed(f"+A123{product}1")).product == product


@given(st.sampled_from("0123456789"), st.text(ALNUM, min_size=3, max_size=3), st.data())
def test_a_labeler_code_starting_with_a_digit_is_named_whatever_the_check_character(
    first, rest, data
):
    product = data.draw(st.text(ALNUM[10:], min_size=1, max_size=8))  # keeps it from a YYJJJ date
    check = data.draw(st.sampled_from(CHARSET))

    with pytest.raises(
        MalformedBarcode, match=f'labeler code "{first}{rest}" must start with a letter'
    ):
        parse_hibc(f"+{first}{rest}{product}1{check}")


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (f"{PRIMARY}/$10X3/17D20111231", MalformedBarcode, '"/17D20111231" is not one HIBC 2.6'),
        (f"{PRIMARY}/$10X3/16D2011123", MalformedBarcode, 'manufacture date "2011123" must be 8'),
        (f"{PRIMARY}/$10X3/14D20261301", MalformedBarcode, "expiry 20261301 is not a real date"),
        (f"{PRIMARY}/$10X3/Q500/S123", MalformedBarcode, "/Q must be the last supplemental"),
        (f"{PRIMARY}/$10X3/Q123456", MalformedBarcode, 'quantity /Q "123456" must be 1 to 5'),
        (f"{PRIMARY}/$10X3/S", MalformedBarcode, "serial /S is empty"),
        (f"{PRIMARY}/$10X3/S1/S2", MalformedBarcode, "/S appears twice"),
        (f"{PRIMARY}/$10X3/", MalformedBarcode, '"/" is not one HIBC 2.6'),
        (f"{PRIMARY}/", MalformedBarcode, "secondary data is empty"),
        (f"{PRIMARY}/$10X3/S" + "9" * 19, MalformedLabel, 'serial "9{19}" is 19 characters'),
        (f"{PRIMARY}/$$3260531L$T", MalformedBarcode, 'lot "L\\$T" contains "\\$"'),
        (
            f"{PRIMARY}/$$0526LOT7/14D20260415",
            MalformedLabel,
            "two different expiry values: 2026-05-31 in the secondary and 2026-04-15",
        ),
        (f"{PRIMARY}/$$+3260531SER1/S2", MalformedLabel, "two different serial values"),
        (f"{PRIMARY}/$$900010LOT/Q5", MalformedLabel, "two different quantity values: 10"),
    ],
)
def test_unreadable_supplemental_data_is_refused_precisely(data, error, message):
    with pytest.raises(error, match=message):
        parse_hibc(signed(data))


def test_quantity_may_be_followed_by_a_lot_without_a_date():
    label = parse_hibc(signed(f"{PRIMARY}/$$900100LOT7"))

    assert (label.quantity, label.lot, label.expiry) == (100, "LOT7", None)


def test_standalone_secondary_with_supplemental_data_keeps_its_link_character():
    label = parse_hibc(signed("+$$3260531LOT7/S123G"))

    assert (label.lot, label.serial, label.link) == ("LOT7", "123", "G")
