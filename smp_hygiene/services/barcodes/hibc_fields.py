"""The fields of an HIBC label: its dates, and the supplemental data after the secondary.

ANSI/HIBC 2.6 (2016) §2.3.2: after the lot or serial, a secondary may carry supplemental fields,
each opened by "/" and an ANSI MH10.8.2 data identifier: /S serial number, /16D date of
manufacture (YYYYMMDD), /14D expiry date (YYYYMMDD) and /Q quantity, which comes last (§2.3.2.4).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from smp_hygiene.errors import MalformedBarcode, MalformedLabel

MAX_LOT = 18  # HIBC LIC 2.6 caps lot and serial numbers at 18 characters.
_LOT_CHARS = re.compile(r"[A-Z0-9.-]*")
_SUPPLEMENTS = {"14D": "expiry", "16D": "production_date", "S": "serial", "Q": "quantity"}
_NAMES = {"expiry": "expiry", "production_date": "manufacture date", "serial": "serial"}
_KNOWN = "/S serial, /16D manufacture date, /14D expiry, /Q quantity"


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
    production_date: date | None = None


def check_lot(field: str, value: str) -> str:
    """Refuse a lot or serial that is too long or holds a character HIBC keeps for structure."""
    if len(value) > MAX_LOT:
        raise MalformedLabel(
            f'HIBC {field} "{value}" is {len(value)} characters long; '
            f"HIBC allows at most {MAX_LOT}."
        )
    if not _LOT_CHARS.fullmatch(value):
        bad = next(char for char in value if not _LOT_CHARS.fullmatch(char))
        raise MalformedBarcode(
            f'HIBC {field} "{value}" contains "{bad}": '
            f"a {field} holds capitals, digits, - and . only."
        )
    return value


def read_supplements(label: HibcLabel, fields: list[str]) -> HibcLabel:
    """Add the /S, /16D, /14D and /Q fields to what the secondary's first part said."""
    found: dict[str, object] = {}
    for index, field in enumerate(fields):
        key = next((key for key in _SUPPLEMENTS if field.startswith(key)), None)
        if key is None:
            raise MalformedBarcode(
                f'HIBC supplemental field "/{field}" is not one HIBC 2.6 defines ({_KNOWN}).'
            )
        name = _SUPPLEMENTS[key]
        if name in found:
            raise MalformedBarcode(f"HIBC supplemental field /{key} appears twice.")
        if key == "Q" and index != len(fields) - 1:
            raise MalformedBarcode("HIBC quantity /Q must be the last supplemental field.")
        found[name] = _value(key, field[len(key) :])
    for name, value in found.items():
        _refuse_conflict(label, name, value)
    return replace(label, **found)  # type: ignore[arg-type]


def _value(key: str, text: str) -> object:
    """One supplemental value: a YYYYMMDD date, a serial, or a quantity of up to 5 digits."""
    if key == "S":
        if not text:
            raise MalformedBarcode("HIBC serial /S is empty.")
        return check_lot("serial", text)
    if key == "Q":
        if not 1 <= len(text) <= 5 or not (text.isascii() and text.isdigit()):
            raise MalformedBarcode(f'HIBC quantity /Q "{text}" must be 1 to 5 digits.')
        return int(text)
    return hibc_date("YYYYMMDD", text, _NAMES[_SUPPLEMENTS[key]])


def _refuse_conflict(label: HibcLabel, name: str, value: object) -> None:
    """A label whose secondary and supplemental data disagree is mislabelled."""
    earlier = getattr(label, name)
    if earlier is not None and earlier != value:
        what = _NAMES.get(name, name)
        raise MalformedLabel(
            f"HIBC label gives two different {what} values: {earlier} in the secondary "
            f"and {value} in its supplemental data."
        )


def hibc_date(fmt: str, digits: str, what: str = "expiry") -> date:
    """Turn HIBC date digits into a date; hours are dropped, expiry is kept per day."""
    if len(digits) != len(fmt) or not (digits.isascii() and digits.isdigit()):
        raise MalformedBarcode(f'HIBC {what} "{digits}" must be {len(fmt)} digits ({fmt}).')
    parts = {key: int(digits[fmt.index(key) : fmt.index(key) + len(key)]) for key in _keys(fmt)}
    year = parts["YYYY"] if "YYYY" in parts else 2000 + parts["YY"]  # YY: all this century
    if parts.get("HH", 0) > 23:
        raise MalformedBarcode(f"HIBC {what} {digits} is not a real date: hour {parts['HH']}.")
    if "JJJ" in parts:
        days = 366 if calendar.isleap(year) else 365
        if not 1 <= parts["JJJ"] <= days:
            raise MalformedBarcode(f"HIBC {what} {digits} is not a real date: day {parts['JJJ']}.")
        return date(year, 1, 1) + timedelta(days=parts["JJJ"] - 1)
    month = parts["MM"]
    if not 1 <= month <= 12:
        raise MalformedBarcode(f"HIBC {what} {digits} is not a real date: month {month}.")
    last = calendar.monthrange(year, month)[1]
    # MMYY names a month, and the item stays usable through all of it (as GS1's DD=00 does, R28);
    # the last day is also what the printed "use by 05/2026" tells the technician.
    day = parts.get("DD", last)
    if not 1 <= day <= last:
        raise MalformedBarcode(f"HIBC {what} {digits} is not a real date: day {day}.")
    return date(year, month, day)


def _keys(fmt: str) -> list[str]:
    """List the fields of a date layout such as YYJJJHH or YYYYMMDD."""
    return re.findall(r"YYYY|YY|MM|DD|JJJ|HH", fmt)
