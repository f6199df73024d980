"""GS1 element strings, (AI)data text and Digital Link URIs, read through biip into fields."""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import TypedDict

from biip import ParseConfig, ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings
from biip.gs1_messages import GS1Message

from smp_hygiene.errors import InvalidInput, MalformedBarcode, MalformedLabel

GS = "\x1d"
# Keyboard-wedge scanners cannot type 0x1D, so they are set up to send one of these instead.
# None can occur in GS1 data: { } [ ] \ ^ « » are outside GS1's character set 82.
_GS_SUBSTITUTES = re.compile(r"<GS>|\{GS\}|\[GS\]|«GS»|\\x1d|\^\]|\u241d", re.IGNORECASE)
_HRI = re.compile(r"\((\d+)\)([^(]*)")
_CSET82 = re.compile(r'[!"%-?A-Z_a-z]')  # the characters GS1 allows in a lot or serial
# biip checks dates against the wall clock, so it is told not to; _gs1_date checks them instead.
_CONFIG = ParseConfig(gs1_element_strings_verify_date=False)
_VARIABLE = {"10": "Lot", "21": "Serial"}
_DATES = {"17": "Expiry", "11": "Production date"}
# A GS forgotten after a lot or serial lets it run on into the next field; these are the fields
# worth looking for, with the years a real one could carry (relative to today) so that date-like
# lot numbers such as 2017110105 are not taken for a swallowed expiry.
_SWALLOWABLE = {"17": ("an expiry", -5, 25), "11": ("a production date", -25, 1), "01": ("a GTIN",)}
_SWALLOWED = re.compile(r"(?=(01\d{14}|11\d{6}|17\d{6})((?:10|21).+|(?:11|17)\d{6}.*)?$)")


class Fields(TypedDict):
    """What a GS1 scan says; the keyword arguments barcodes.ParsedBarcode takes from it."""

    gtin: str | None
    lot: str | None
    expiry: date | None
    serial: str | None
    production_date: date | None


def restore_separators(body: str) -> str:
    """Turn the stand-ins scanners send for GS (<GS>, {GS}, ^] ...) back into GS itself."""
    return _GS_SUBSTITUTES.sub(GS, body)


def read_element_strings(body: str, today: date) -> Fields:
    """Read raw scanner data (AI + value, GS-separated) into fields."""
    return _fields(_raw(body, today), today)


def read_hri(body: str, today: date) -> Fields:
    """Read printed (AI)data text into fields."""
    return _fields(_hri(body, today), today)


def read_digital_link(body: str, today: date) -> Fields:
    """Read a GS1 Digital Link URI into fields."""
    return _fields(_digital_link(body, today), today)


def _raw(body: str, today: date) -> GS1ElementStrings:
    """Cut raw scanner data into element strings, keeping each lot or serial whole up to its GS."""
    # biip's GS1Message.parse stops a lot at 20 characters and reads the rest as new fields, so
    # the cutting is done here, with biip's own AI table and element parser.
    pairs: list[tuple[str, str]] = []
    rest = body
    while rest:
        try:
            ai = GS1ApplicationIdentifier.extract(rest)
        except ParseError:
            position = len(body) - len(rest) + 1
            raise MalformedBarcode(
                f'No GS1 field starts like "{shown(rest[:6])}" (character {position} of the scan).'
            ) from None
        segment = rest[len(ai.ai) :].split(GS, 1)[0]
        if not ai.separator_required:
            segment = _fixed_value(ai.ai, rest, segment, today)
        pairs.append((ai.ai, segment))
        rest = rest[len(ai.ai) + len(segment) :].lstrip(GS)
    _check_swallowed(pairs, today)
    return _elements(pairs, today)


def _fixed_value(ai: str, rest: str, segment: str, today: date) -> str:
    """Let biip take a fixed-length field off the front, explaining if it cannot."""
    try:
        return GS1ElementString.extract(rest, config=_CONFIG).value
    except ParseError:
        raise _explain(ai, segment, today) from None


def _hri(body: str, today: date) -> GS1ElementStrings:
    """Read (AI)data text; fields are checked first so that failures can be explained."""
    # Printed HRI puts spaces between fields; a space inside a value is left for _elements to refuse
    # (biip's parse_hri would silently drop it, turning lot "A 1" into "A1").
    hri = re.sub(r"\s*(\(\d+\))\s*", r"\1", body)
    pairs = _HRI.findall(hri)
    if "".join(f"({ai}){data}" for ai, data in pairs) != hri:
        raise MalformedBarcode(f'"{shown(body)}" is not a readable GS1 (AI)data text.')
    _elements(pairs, today)
    try:
        return GS1Message.parse_hri(hri, config=_CONFIG).element_strings
    except ParseError:
        raise MalformedBarcode(f'"{shown(body)}" is not a readable GS1 (AI)data text.') from None


def _digital_link(body: str, today: date) -> GS1ElementStrings:
    """Read a GS1 Digital Link URI, explaining the field biip's error names, if it names one."""
    try:
        return GS1DigitalLinkURI.parse(body, config=_CONFIG).element_strings
    except ParseError as error:
        failed = re.search(r"Failed to match '(.*)' with GS1 AI \((\d+)\)", str(error))
        if failed and failed[1].startswith(failed[2]):
            raise _explain(failed[2], failed[1][len(failed[2]) :], today) from None
        raise MalformedBarcode(
            f'Web link "{shown(body)}" is not a GS1 Digital Link: it needs /01/<GTIN> in its path.'
        ) from None


def _elements(pairs: list[tuple[str, str]], today: date) -> GS1ElementStrings:
    """Parse (AI, data) pairs with biip, turning each refusal into a precise message."""
    elements = GS1ElementStrings()
    for ai, data in pairs:
        if ai in _VARIABLE and (problem := _variable_problem(ai, data)):
            raise problem
        try:
            elements.append(GS1ElementString.parse(ai + data, config=_CONFIG))
        except ParseError:
            raise _explain(ai, data, today) from None
    return elements


def _fields(elements: GS1ElementStrings, today: date) -> Fields:
    """Turn biip's element strings into fields, enforcing GTIN check digits and dates."""
    fields: dict[str, str] = {}
    for element in elements:
        if element.gtin_error and element.ai.ai == "01":
            raise _gtin_problem(element.value)
        if fields.setdefault(element.ai.ai, element.value) != element.value:
            raise MalformedBarcode(f"The scan holds {element.ai} twice, with different values.")
    return {
        "gtin": fields["01"].zfill(14) if "01" in fields else None,
        "lot": fields.get("10"),
        "expiry": _gs1_date("17", fields["17"], today) if "17" in fields else None,
        "serial": fields.get("21"),
        "production_date": _gs1_date("11", fields["11"], today) if "11" in fields else None,
    }


def _check_swallowed(pairs: list[tuple[str, str]], today: date) -> None:
    """Refuse a lot or serial that ends in another field's data, because its GS went missing."""
    present = {ai for ai, _ in pairs}
    for ai, data in pairs:
        if ai not in _VARIABLE:
            continue
        for match in _SWALLOWED.finditer(data, 1):
            inner_ai, inner = match[1][:2], match[1][2:]
            if inner_ai not in present and _plausible(inner_ai, inner, today):
                what = _SWALLOWABLE[inner_ai][0]
                raise MalformedLabel(
                    f'{_VARIABLE[ai]} "{data}" looks like it swallowed {what} ({inner_ai}){inner}: '
                    "the scanner may not be sending the GS separator."
                )


def _plausible(ai: str, value: str, today: date) -> bool:
    """Whether `value` could really be a field of type `ai` on a label scanned today."""
    if ai == "01":
        return gs1_standard_check_digit(value[:-1]) == int(value[-1])
    try:
        year = _gs1_date(ai, value, today).year
    except MalformedBarcode:
        return False
    _, earliest, latest = _SWALLOWABLE[ai]
    return today.year + earliest <= year <= today.year + latest


def _gs1_date(ai: str, value: str, today: date) -> date:
    """Read YYMMDD per GS1 GenSpecs §7.12 relative to `today`; DD=00 is the month's last day."""
    label = _DATES[ai]
    if len(value) != 6 or not value.isdigit():
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


def _explain(ai: str, data: str, today: date) -> InvalidInput:
    """Say in plain words why field (ai) holding `data` cannot be read."""
    if ai == "01":
        return _gtin_problem(data[:14])
    if ai in _DATES:
        try:
            _gs1_date(ai, data[:6], today)
        except MalformedBarcode as problem:
            return problem
    if ai in _VARIABLE and (problem := _variable_problem(ai, data)):
        return problem
    try:
        known = GS1ApplicationIdentifier.extract(ai + data)
    except ParseError:
        known = None
    if known is None or known.ai != ai:
        return MalformedBarcode(f"({ai}) is not a GS1 field we know.")
    return MalformedBarcode(
        f'Field {known} "{shown(data)}" does not fit its GS1 format {known.format}.'
    )


def _gtin_problem(value: str) -> MalformedBarcode:
    """Explain a GTIN that is cut short, not numeric, or fails its check digit (R27)."""
    if not value.isdigit():
        return MalformedBarcode(f'GTIN "{shown(value)}" must be 14 digits, and only digits.')
    if len(value) != 14:
        return MalformedBarcode(
            f"GTIN {value} has only {len(value)} digits; a GTIN in (01) has 14 "
            "(the scan may be cut short)."
        )
    expected = gs1_standard_check_digit(value[:-1])
    if expected != int(value[-1]):
        return MalformedBarcode(f"GTIN {value} has a wrong check digit (expected {expected}).")
    return MalformedBarcode(f"GTIN {value} is not a valid GTIN.")


def _variable_problem(ai: str, data: str) -> InvalidInput | None:
    """Find what makes a lot or serial unusable: empty, over 20 characters, or a foreign char."""
    label = _VARIABLE[ai]
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
