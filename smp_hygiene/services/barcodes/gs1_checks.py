"""Why a GS1 field cannot be read, said in words a technician can act on; and GS1 dates.

biip refuses bad fields with terse errors; these checks run around it so that every refusal names
the field, the value and the rule (check digit, YYMMDD, 20 characters, character set 82, a GS
the scanner did not send).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, time

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier

from smp_hygiene.errors import InvalidInput, MalformedBarcode, MalformedLabel

GS = "\x1d"
_CSET82 = re.compile(r'[!"%-?A-Z_a-z]')  # the characters GS1 allows in a lot or serial
_VARIABLE = {"10": "Lot", "21": "Serial"}
_DATES = {"17": "Expiry", "11": "Production date", "7003": "Expiry date and time"}
# A GS forgotten after a lot or serial lets it run on into the next field; these are the fields
# worth looking for, with the years a real one could carry (relative to today) so that date-like
# lot numbers such as 2017110105 are not taken for a swallowed expiry.
_SWALLOWABLE = {"17": "an expiry", "11": "a production date", "01": "a GTIN"}
_PLAUSIBLE_YEARS = {"17": (-5, 25), "11": (-25, 1)}
_SWALLOWED = re.compile(r"(?=(01\d{14}|11\d{6}|17\d{6})((?:10|21).+|(?:11|17)\d{6}.*)?$)")


def check_swallowed(pairs: list[tuple[str, str]], today: date) -> None:
    """Refuse a lot or serial that ends in another field's data, because its GS went missing."""
    present = {ai for ai, _ in pairs}
    for ai, data in pairs:
        if ai not in _VARIABLE:
            continue
        for match in _SWALLOWED.finditer(data, 1):
            inner_ai, inner = match[1][:2], match[1][2:]
            if inner_ai not in present and _plausible(inner_ai, inner, today):
                what = _SWALLOWABLE[inner_ai]
                raise MalformedLabel(
                    f'{_VARIABLE[ai]} "{data}" looks like it swallowed {what} ({inner_ai}){inner}: '
                    "the scanner may not be sending the GS separator."
                )


def _plausible(ai: str, value: str, today: date) -> bool:
    """Whether `value` could really be a field of type `ai` on a label scanned today."""
    if ai == "01":
        return gs1_standard_check_digit(value[:-1]) == int(value[-1])
    try:
        year = gs1_date(ai, value, today).year
    except MalformedBarcode:
        return False
    earliest, latest = _PLAUSIBLE_YEARS[ai]
    return today.year + earliest <= year <= today.year + latest


def gs1_date(ai: str, value: str, today: date) -> date:
    """Read YYMMDD per GS1 GenSpecs §7.12 relative to `today`; DD=00 is the month's last day."""
    label = _DATES[ai]
    if len(value) != 6 or not (value.isascii() and value.isdigit()):
        raise MalformedBarcode(f'{label} "{shown(value)}" must be 6 digits, YYMMDD.')
    yy, month, day = int(value[:2]), int(value[2:4]), int(value[4:])
    if not 1 <= month <= 12:
        raise MalformedBarcode(f"{label} {value} is not a real date: month {month}.")
    # biip applies the same century rule, but only against the wall clock, never a given `today`.
    century, ahead = today.year - today.year % 100, yy - today.year % 100
    if ahead >= 51:
        century -= 100
    elif ahead <= -50:
        century += 100
    last = calendar.monthrange(century + yy, month)[1]
    if day > last:
        name = calendar.month_name[month]
        raise MalformedBarcode(
            f"{label} {value} is not a real date: day {day} (that {name} has {last} days)."
        )
    return date(century + yy, month, day or last)


def gs1_date_time(value: str, today: date) -> tuple[date, time]:
    """Read (7003) YYMMDDhhmm: the expiry date (as gs1_date reads it) and the time on that day."""
    if len(value) != 10 or not (value.isascii() and value.isdigit()):
        raise MalformedBarcode(
            f'Expiry date and time "{shown(value)}" must be 10 digits, YYMMDDhhmm.'
        )
    day = gs1_date("7003", value[:6], today)
    hour, minute = int(value[6:8]), int(value[8:])
    if hour > 23 or minute > 59:
        raise MalformedBarcode(
            f"Expiry date and time {value} is not a real time: {value[6:8]}:{value[8:]}."
        )
    return day, time(hour, minute)


def explain(ai: str, data: str, today: date) -> InvalidInput:
    """Say in plain words why field (ai) holding `data` cannot be read."""
    if ai == "01":
        return gtin_problem(data)
    try:
        if ai == "7003":
            gs1_date_time(data, today)
        elif ai in _DATES:
            gs1_date(ai, data, today)
    except MalformedBarcode as problem:
        return problem
    if variable := variable_problem(ai, data):
        return variable
    try:
        known = GS1ApplicationIdentifier.extract(ai + data)
    except ParseError:
        known = None
    if known is None or known.ai != ai:
        return MalformedBarcode(f"({ai}) is not a GS1 field we know.")
    return MalformedBarcode(
        f'Field {known} "{shown(data)}" does not fit its GS1 format {known.format}.'
    )


def gtin_problem(value: str) -> MalformedBarcode:
    """Explain a GTIN that is cut short, not numeric, or fails its check digit (R27)."""
    bad = next((char for char in value if char not in "0123456789"), None)
    if bad is not None:
        return MalformedBarcode(
            f'GTIN "{shown(value)}" contains "{shown(bad)}"; a GTIN in (01) is 14 digits only.'
        )
    if len(value) < 14:
        return MalformedBarcode(
            f"GTIN {value} has only {len(value)} digits; a GTIN in (01) has 14 "
            "(the scan may be cut short)."
        )
    if len(value) > 14:
        return MalformedBarcode(f"GTIN {value} has {len(value)} digits; a GTIN in (01) has 14.")
    expected = gs1_standard_check_digit(value[:-1])
    if expected != int(value[-1]):
        return MalformedBarcode(f"GTIN {value} has a wrong check digit (expected {expected}).")
    return MalformedBarcode(f"GTIN {value} is not a valid GTIN.")


def variable_problem(ai: str, data: str) -> InvalidInput | None:
    """Find what makes a lot or serial unusable: empty, over 20 characters, or a foreign char."""
    label = _VARIABLE.get(ai)
    if label is None:
        return None  # not a lot or serial: biip checks its fixed format
    if not data:
        return MalformedBarcode(f"{label} ({ai}) is empty.")
    if len(data) > 20:
        return MalformedLabel(
            f'{label} "{shown(data)}" is {len(data)} characters long; GS1 allows at most 20.'
        )
    bad = next((char for char in data if not _CSET82.fullmatch(char)), None)
    if bad is not None:
        return MalformedBarcode(
            f'{label} "{shown(data)}" contains "{shown(bad)}", which GS1 does not allow.'
        )
    return None


def shown(text: str) -> str:
    """Make scanned text printable in a message: GS made visible, long text cut."""
    visible = text.replace(GS, "<GS>")
    return visible if len(visible) <= 48 else visible[:45] + "..."
