"""HIBC LIC labels (primary, secondary and combined structures), read by hand: biip has no HIBC."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from smp_hygiene.errors import MalformedBarcode, MalformedLabel

# The Code 39 character set, in mod-43 value order (R30).
CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
MAX_LOT = 18  # HIBC LIC 2.6 caps lot and serial numbers at 18 characters.
_PRIMARY = re.compile(r"([A-Z][A-Z0-9]{3})([A-Z0-9]{1,13})([0-9])")
# `$$` date formats: the digit after `$$` picks the layout; 0/1 is the first digit of MMYY.
_DATE_FORMATS = {"2": "MMDDYY", "3": "YYMMDD", "4": "YYMMDDHH", "5": "YYJJJ", "6": "YYJJJHH"}
_QUANTITY_DIGITS = {"8": 2, "9": 5}


@dataclass(frozen=True)
class HibcLabel:
    """What one HIBC scan says; fields absent from the scan are None."""

    lic: str | None = None
    product: str | None = None
    unit_of_measure: int | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    quantity: int | None = None
    link: str | None = None  # a standalone secondary names its primary's check character


def check_char(data: str) -> str:
    """Return the mod-43 check character for `data`, counting every character including the `+`."""
    return CHARSET[sum(CHARSET.index(char) for char in data) % 43]


def parse_hibc(text: str) -> HibcLabel:
    """Read an HIBC LIC string whose mod-43 check character must match."""
    _require_charset(text)
    if len(text) < 3:
        raise MalformedBarcode(f'HIBC code "{text}" is too short to be a label.')
    data, given = text[:-1], text[-1]
    expected = check_char(data)
    if given != expected:
        raise MalformedBarcode(
            f'HIBC code "{text}" has a wrong check character "{given}" (expected "{expected}").'
        )
    body = data[1:]
    if body.startswith("$") or body[:5].isdigit():
        # A standalone secondary ends with a link character: the check character of its primary.
        return _secondary(body[:-1], link=body[-1])
    primary, slash, secondary = body.partition("/")
    label = _primary(primary)
    if not slash:
        return label
    extra = _secondary(secondary, link=None)
    return replace(
        extra, lic=label.lic, product=label.product, unit_of_measure=label.unit_of_measure
    )


def _require_charset(text: str) -> None:
    """Refuse characters Code 39 cannot carry, naming the first one."""
    if not text.startswith("+"):
        raise MalformedBarcode(f'HIBC code "{text}" must start with "+".')
    for position, char in enumerate(text, start=1):
        if char in CHARSET:
            continue
        hint = " (is Caps Lock on?)" if char.islower() else ""
        raise MalformedBarcode(
            f'HIBC code "{text}" has "{char}" at character {position}, '
            f"which HIBC does not allow: capitals, digits and - . space $ / + % only{hint}."
        )


def _primary(data: str) -> HibcLabel:
    """Read LIC (4, letter first), product code (1-13) and unit of measure (1 digit)."""
    match = _PRIMARY.fullmatch(data)
    if match:
        return HibcLabel(lic=match[1], product=match[2], unit_of_measure=int(match[3]))
    if len(data) < 6:
        problem = "it needs a 4-character labeler code, a product code and a unit digit"
    elif not data[0].isalpha():
        problem = f'the labeler code "{data[:4]}" must start with a letter'
    elif not data[-1].isdigit():
        problem = f'the unit of measure "{data[-1]}" must be a digit'
    elif len(data) > 18:
        problem = f'the product code "{data[4:-1]}" is longer than 13 characters'
    else:
        problem = f'"{data}" may only hold capital letters and digits'
    raise MalformedBarcode(f"HIBC primary data is not readable: {problem}.")


def _secondary(data: str, link: str | None) -> HibcLabel:
    """Read `$$`/`$$+` dated lot/serial, `$` lot, `$+` serial, or a YYJJJ date and lot."""
    if data.startswith("$$+"):
        return _dated(data[3:], field="serial", link=link)
    if data.startswith("$$"):
        return _dated(data[2:], field="lot", link=link)
    if data.startswith("$+"):
        return _with_field("serial", _required(data[2:], "serial"), None, None, link)
    if data.startswith("$"):
        return _with_field("lot", _required(data[1:], "lot"), None, None, link)
    if data[:5].isdigit():
        return _with_field("lot", data[5:] or None, _date("YYJJJ", data[:5]), None, link)
    raise MalformedBarcode(f'HIBC secondary data "{data}" must start with "$" or a 5-digit date.')


def _dated(data: str, field: str, link: str | None) -> HibcLabel:
    """Read the optional quantity, the date format flag, the date, then the lot or serial."""
    quantity = None
    if data[:1] in _QUANTITY_DIGITS:
        width = _QUANTITY_DIGITS[data[0]]
        digits = data[1 : 1 + width]
        if len(digits) != width or not digits.isdigit():
            raise MalformedBarcode(f'HIBC quantity "{digits}" must be {width} digits.')
        quantity, data = int(digits), data[1 + width :]
    flag = data[:1]
    if flag in ("0", "1"):
        fmt, start = "MMYY", 0
    elif flag in _DATE_FORMATS:
        fmt, start = _DATE_FORMATS[flag], 1
    elif flag == "7":
        return _with_field(field, data[1:] or None, None, quantity, link)
    else:
        raise MalformedBarcode(f'HIBC date format "{flag}" after "$$" is not one we know (0-7).')
    width = len(fmt)  # one digit per letter of the layout
    expiry = _date(fmt, data[start : start + width])
    return _with_field(field, data[start + width :] or None, expiry, quantity, link)


def _with_field(
    field: str, value: str | None, expiry: date | None, quantity: int | None, link: str | None
) -> HibcLabel:
    """Build the label, refusing a lot or serial too long to be a real one."""
    if value is not None and len(value) > MAX_LOT:
        raise MalformedLabel(
            f'HIBC {field} "{value}" is {len(value)} characters long; '
            f"HIBC allows at most {MAX_LOT}."
        )
    lot, serial = (None, value) if field == "serial" else (value, None)
    return HibcLabel(lot=lot, serial=serial, expiry=expiry, quantity=quantity, link=link)


def _required(value: str, field: str) -> str:
    """Refuse an empty lot or serial where the structure exists only to carry it."""
    if not value:
        raise MalformedBarcode(f"HIBC secondary data has an empty {field}.")
    return value


def _date(fmt: str, digits: str) -> date:
    """Turn HIBC date digits into the expiry date; hours are dropped, expiry is kept per day."""
    if len(digits) != len(fmt) or not digits.isdigit():
        raise MalformedBarcode(f'HIBC expiry "{digits}" must be {len(fmt)} digits ({fmt}).')
    parts = {key: int(digits[fmt.index(key) : fmt.index(key) + len(key)]) for key in _keys(fmt)}
    year = 2000 + parts["YY"]  # HIBC two-digit years are all this century.
    if parts.get("HH", 0) > 23:
        raise MalformedBarcode(f"HIBC expiry {digits} is not a real date: hour {parts['HH']}.")
    if "JJJ" in parts:
        days = 366 if calendar.isleap(year) else 365
        if not 1 <= parts["JJJ"] <= days:
            raise MalformedBarcode(f"HIBC expiry {digits} is not a real date: day {parts['JJJ']}.")
        return date(year, 1, 1) + timedelta(days=parts["JJJ"] - 1)
    month = parts["MM"]
    if not 1 <= month <= 12:
        raise MalformedBarcode(f"HIBC expiry {digits} is not a real date: month {month}.")
    last = calendar.monthrange(year, month)[1]
    # MMYY names a month, and the item stays usable through all of it (as GS1's DD=00 does, R28);
    # the last day is also what the printed "use by 05/2026" tells the technician.
    day = parts.get("DD", last)
    if not 1 <= day <= last:
        raise MalformedBarcode(f"HIBC expiry {digits} is not a real date: day {day}.")
    return date(year, month, day)


def _keys(fmt: str) -> list[str]:
    """List the fields of a date layout such as YYJJJHH."""
    return re.findall(r"YY|MM|DD|JJJ|HH", fmt)
