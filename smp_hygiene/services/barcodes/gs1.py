"""GS1 element strings, (AI)data text and Digital Link URIs, read through biip into fields."""

from __future__ import annotations

import re
from datetime import date, time
from typing import TypedDict

from biip import ParseConfig, ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings
from biip.gs1_messages import GS1Message

from smp_hygiene.errors import MalformedBarcode, MalformedLabel
from smp_hygiene.services.barcodes.gs1_checks import (
    GS,
    check_swallowed,
    explain,
    gs1_date,
    gs1_date_time,
    gtin_problem,
    shown,
    variable_problem,
)
from smp_hygiene.services.barcodes.gs1_link import check_link_path

__all__ = ["GS", "read_digital_link", "read_element_strings", "read_hri", "restore_separators"]

# Keyboard-wedge scanners cannot type 0x1D, so they are set up to send one of these instead.
# None can occur in GS1 data: { } [ ] \ ^ « » are outside GS1's character set 82.
_GS_SUBSTITUTES = re.compile(r"<GS>|\{GS\}|\[GS\]|«GS»|\\x1d|\^\]|\u241d", re.IGNORECASE)
_HRI = re.compile(r"\((\d+)\)([^(]*)")
# biip checks dates against the wall clock, so it is told not to; gs1_date checks them instead.
_CONFIG = ParseConfig(gs1_element_strings_verify_date=False)
_WIDTHS = {"01": 14, "11": 6, "17": 6}


class Fields(TypedDict):
    """What a GS1 scan says; the keyword arguments barcodes.ParsedBarcode takes from it."""

    gtin: str | None
    lot: str | None
    expiry: date | None
    serial: str | None
    production_date: date | None
    expiry_time: time | None


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
            _check_overlong_gtin(pairs, rest)
            position = len(body) - len(rest) + 1
            raise MalformedBarcode(
                f'No GS1 field starts like "{shown(rest[:6])}" (character {position} of the scan).'
            ) from None
        segment = rest[len(ai.ai) :].split(GS, 1)[0]
        if not ai.separator_required:
            segment = _fixed_value(ai.ai, rest, segment, today)
        pairs.append((ai.ai, segment))
        rest = rest[len(ai.ai) + len(segment) :].lstrip(GS)
    check_swallowed(pairs, today)
    return _elements(pairs, today)


def _check_overlong_gtin(pairs: list[tuple[str, str]], rest: str) -> None:
    """Digits that no AI can start, right after a GTIN, are the GTIN's own extra digits."""
    tail = rest.split(GS, 1)[0]
    if pairs and pairs[-1][0] == "01" and tail.isdigit() and tail.isascii():
        raise gtin_problem(pairs[-1][1] + tail)


def _fixed_value(ai: str, rest: str, segment: str, today: date) -> str:
    """Let biip take a fixed-length field off the front, explaining if it cannot."""
    try:
        return GS1ElementString.extract(rest, config=_CONFIG).value
    except ParseError:
        # Only the field's own width is its value; whatever follows is the next field.
        raise explain(ai, segment[: _WIDTHS.get(ai)], today) from None


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
    check_link_path(body)
    try:
        return GS1DigitalLinkURI.parse(body, config=_CONFIG).element_strings
    except ParseError as error:
        failed = re.search(r"Failed to match '(.*)' with GS1 AI \((\d+)\)", str(error))
        if failed and failed[1].startswith(failed[2]):
            raise explain(failed[2], failed[1][len(failed[2]) :], today) from None
        raise MalformedBarcode(
            f'Web link "{shown(body)}" has /01/<GTIN> but the rest of it is not GS1 data.'
        ) from None


def _elements(pairs: list[tuple[str, str]], today: date) -> GS1ElementStrings:
    """Parse (AI, data) pairs with biip, turning each refusal into a precise message."""
    elements = GS1ElementStrings()
    for ai, data in pairs:
        if problem := variable_problem(ai, data):
            raise problem
        try:
            elements.append(GS1ElementString.parse(ai + data, config=_CONFIG))
        except ParseError:
            raise explain(ai, data, today) from None
    return elements


def _fields(elements: GS1ElementStrings, today: date) -> Fields:
    """Turn biip's element strings into fields, enforcing GTIN check digits and dates."""
    fields: dict[str, str] = {}
    for element in elements:
        if element.gtin_error and element.ai.ai == "01":
            raise gtin_problem(element.value)
        if fields.setdefault(element.ai.ai, element.value) != element.value:
            raise MalformedBarcode(f"The scan holds {element.ai} twice, with different values.")
    expiry, expiry_time = _expiry(fields, today)
    return {
        "gtin": fields["01"].zfill(14) if "01" in fields else None,
        "lot": fields.get("10"),
        "expiry": expiry,
        "serial": fields.get("21"),
        "production_date": gs1_date("11", fields["11"], today) if "11" in fields else None,
        "expiry_time": expiry_time,
    }


def _expiry(fields: dict[str, str], today: date) -> tuple[date | None, time | None]:
    """The expiry from (17) or from (7003) date and time; two different expiries are refused."""
    expiry = gs1_date("17", fields["17"], today) if "17" in fields else None
    if "7003" not in fields:
        return expiry, None
    stamped, at = gs1_date_time(fields["7003"], today)
    if expiry is not None and expiry != stamped:
        raise MalformedLabel(
            f"The label gives two different expiries: (17) {expiry:%Y-%m-%d} and "
            f"(7003) {stamped:%Y-%m-%d}."
        )
    return stamped, at
