"""HIBC LIC labels (primary, secondary and combined structures), read by hand: biip has no HIBC.

ANSI/HIBC 2.6 (2016): primary `+` LIC(4, letter first) product code(1-18) unit(1) check (§2.2);
secondary `$`/`$+`/`$$`/`$$+`/YYJJJ with the date formats of Appendix F, Table F1, then the
supplemental fields of §2.3.2 (services.barcodes.hibc_fields); combined `primary/secondary`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from smp_hygiene.errors import MalformedBarcode
from smp_hygiene.services.barcodes.hibc_fields import (
    HibcLabel,
    check_lot,
    hibc_date,
    read_supplements,
)

__all__ = ["CHARSET", "HibcLabel", "check_char", "parse_hibc"]

# The Code 39 character set, in mod-43 value order (R30).
CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
MAX_PRODUCT = 18  # HIBC 2.6 §2.2: the labeler's product or catalogue number, 1-18 characters
_PRIMARY = re.compile(rf"([A-Z][A-Z0-9]{{3}})([A-Z0-9]{{1,{MAX_PRODUCT}}})([0-9])")
# `$$` date formats: the digit after `$$` picks the layout; 0/1 is the first digit of MMYY.
_DATE_FORMATS = {"2": "MMDDYY", "3": "YYMMDD", "4": "YYMMDDHH", "5": "YYJJJ", "6": "YYJJJHH"}
_QUANTITY_DIGITS = {"8": 2, "9": 5}


def check_char(data: str) -> str:
    """Return the mod-43 check character for `data`, counting every character including the `+`."""
    return CHARSET[sum(CHARSET.index(char) for char in data) % 43]


def parse_hibc(text: str) -> HibcLabel:
    """Read an HIBC LIC string whose mod-43 check character must match."""
    _require_charset(text)
    if len(text) < 3:
        raise MalformedBarcode(f'HIBC code "{text}" is too short to be a label.')
    data, given = text[:-1], text[-1]
    # The structure is read first: a labeler code starting with a digit is the fault to name,
    # not the check character that then (of course) fails too.
    label = _structure(data[1:])
    expected = check_char(data)
    if given != expected:
        raise MalformedBarcode(
            f'HIBC code "{text}" has a wrong check character "{given}" (expected "{expected}").'
        )
    return label


def _structure(body: str) -> HibcLabel:
    """Read a primary, a standalone secondary, or a primary/secondary pair."""
    if body.startswith("$") or (body[:5].isascii() and body[:5].isdigit()):
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
    """Read LIC (4, letter first), product code (1-18) and unit of measure (1 digit)."""
    match = _PRIMARY.fullmatch(data)
    if match:
        return HibcLabel(lic=match[1], product=match[2], unit_of_measure=int(match[3]))
    if len(data) < 6:
        problem = "it needs a 4-character labeler code, a product code and a unit digit"
    elif not data[0].isalpha():
        problem = f'the labeler code "{data[:4]}" must start with a letter'
    elif not (data[-1].isascii() and data[-1].isdigit()):
        problem = f'the unit of measure "{data[-1]}" must be a digit'
    elif len(data) > 5 + MAX_PRODUCT:
        problem = f'the product code "{data[4:-1]}" is longer than {MAX_PRODUCT} characters'
    else:
        problem = f'"{data}" may only hold capital letters and digits'
    raise MalformedBarcode(f"HIBC primary data is not readable: {problem}.")


def _secondary(data: str, link: str | None) -> HibcLabel:
    """Read the secondary's lot/serial/date/quantity part, then its supplemental fields."""
    if not data:
        raise MalformedBarcode("HIBC secondary data is empty.")
    head, *supplements = data.split("/")
    label = replace(_head(head), link=link)
    return read_supplements(label, supplements)


def _head(data: str) -> HibcLabel:
    """Read `$$`/`$$+` dated lot/serial, `$` lot, `$+` serial, or a YYJJJ date and lot."""
    if data.startswith("$$+"):
        return _dated(data[3:], field="serial")
    if data.startswith("$$"):
        return _dated(data[2:], field="lot")
    if data.startswith("$+"):
        return _with_field("serial", _required(data[2:], "serial"), None, None)
    if data.startswith("$"):
        return _with_field("lot", _required(data[1:], "lot"), None, None)
    if data[:5].isascii() and data[:5].isdigit():
        return _with_field("lot", data[5:] or None, hibc_date("YYJJJ", data[:5]), None)
    raise MalformedBarcode(f'HIBC secondary data "{data}" must start with "$" or a 5-digit date.')


def _dated(data: str, field: str) -> HibcLabel:
    """Read the optional quantity, the date format flag, the date, then the lot or serial."""
    quantity = None
    if data[:1] in _QUANTITY_DIGITS:
        width = _QUANTITY_DIGITS[data[0]]
        digits = data[1 : 1 + width]
        if len(digits) != width or not (digits.isascii() and digits.isdigit()):
            raise MalformedBarcode(f'HIBC quantity "{digits}" must be {width} digits.')
        quantity, data = int(digits), data[1 + width :]
        if not (data[:1].isascii() and data[:1].isdigit()):
            # After a quantity the date is optional (a secondary may carry only the quantity).
            return _with_field(field, data or None, None, quantity)
    flag = data[:1]
    if flag in ("0", "1"):
        fmt, start = "MMYY", 0
    elif flag in _DATE_FORMATS:
        fmt, start = _DATE_FORMATS[flag], 1
    elif flag == "7":
        return _with_field(field, data[1:] or None, None, quantity)
    else:
        raise MalformedBarcode(f'HIBC date format "{flag}" after "$$" is not one we know (0-7).')
    width = len(fmt)  # one digit per letter of the layout
    expiry = hibc_date(fmt, data[start : start + width])
    return _with_field(field, data[start + width :] or None, expiry, quantity)


def _with_field(
    field: str, value: str | None, expiry: date | None, quantity: int | None
) -> HibcLabel:
    """Build the label, refusing a lot or serial that no real label carries."""
    if value is not None:
        check_lot(field, value)
    lot, serial = (None, value) if field == "serial" else (value, None)
    return HibcLabel(lot=lot, serial=serial, expiry=expiry, quantity=quantity)


def _required(value: str, field: str) -> str:
    """Refuse an empty lot or serial where the structure exists only to carry it."""
    if not value:
        raise MalformedBarcode(f"HIBC secondary data has an empty {field}.")
    return value
