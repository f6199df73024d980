"""Barcode parsing: GS1 (through biip), HIBC and our own SMPH labels, all into one ParsedBarcode."""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass
from datetime import date

from biip import ParseConfig, ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings
from biip.gs1_messages import GS1Message

from smp_hygiene.errors import InvalidInput, MalformedBarcode, MalformedLabel
from smp_hygiene.services.hibc import parse_hibc

GS = "\x1d"
# Keyboard-wedge scanners cannot type 0x1D, so they are set up to send one of these instead.
# None can occur in GS1 data: { } [ ] \ ^ « » are outside GS1's character set 82.
_GS_SUBSTITUTES = re.compile(r"<GS>|\{GS\}|\[GS\]|«GS»|\\x1d|\^\]|\u241d", re.IGNORECASE)
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_CARRIERS = {
    "]d2": "GS1 DataMatrix",
    "]d1": "Data Matrix",
    "]C1": "GS1-128",
    "]C0": "Code 128",
    "]Q3": "GS1 QR Code",
    "]Q1": "QR Code",
    "]e0": "GS1 DataBar",
    "]J1": "GS1 DotCode",
    "]A0": "Code 39",
}
_OWN = re.compile(r"SMPH-(LOT|PACK):([A-Za-z0-9_-]{8,64})")
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


@dataclass(frozen=True)
class ParsedBarcode:
    """What one scan says, whichever symbology carried it."""

    symbology: str  # "gs1" | "gs1-digital-link" | "hibc" | "smph-lot" | "smph-pack"
    raw: str
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    production_date: date | None = None
    hibc_lic: str | None = None
    hibc_product: str | None = None
    own_code: str | None = None
    carrier: str | None = None

    def as_json(self) -> dict:
        """Every field, with dates as ISO strings, plus the catalogue product key."""
        data = asdict(self)
        for key in ("expiry", "production_date"):
            data[key] = data[key].isoformat() if data[key] else None
        data["product_key"] = self.product_key
        return data

    @property
    def product_key(self) -> str | None:
        """The key the catalogue knows the product by: GTIN, or HIBC labeler + product code."""
        if self.gtin:
            return self.gtin
        if self.hibc_lic:
            return f"HIBC:{self.hibc_lic}{self.hibc_product}"
        return None


def own_label_text(kind: str, code: str) -> str:
    """Return the text our lot or pack QR labels encode, which parse_barcode reads back."""
    text = f"SMPH-{kind.upper()}:{code}"
    if kind not in ("lot", "pack") or not _OWN.fullmatch(text):
        raise ValueError(f"Cannot print a {kind!r} label for code {code!r}.")
    return text


def parse_barcode(text: str, today: date | None = None) -> ParsedBarcode:
    """Read one scan as GS1, GS1 Digital Link, HIBC or our own label, refusing anything unsafe."""
    today = today or date.today()
    # Trailing spaces stay until the format is known: a space can be an HIBC check character.
    body = text.strip("\r\n\t").lstrip(" ")
    carrier = None
    if aim := _AIM.match(body):
        carrier, body = _CARRIERS.get(aim[0]), body[aim.end() :]
    if body.startswith(("+", "*+")):
        return _from_hibc(text, body, carrier)
    body = _GS_SUBSTITUTES.sub(GS, body).strip()  # str.strip() also drops a leading FNC1/GS
    if not body:
        raise MalformedBarcode("Nothing was scanned: the barcode text is empty.")
    if body.startswith("SMPH-"):
        return _own_label(text, body)
    if body.lower().startswith(("http://", "https://")):
        return _build(text, "gs1-digital-link", carrier, _digital_link(body, today), today)
    if body.startswith("("):
        return _build(text, "gs1", carrier, _hri(body, today), today)
    if body[0].isdigit():
        return _build(text, "gs1", carrier, _raw(body, today), today)
    raise MalformedBarcode(
        f'"{_show(body)}" is not a code we can read: expected GS1, HIBC (+...) or an SMPH label.'
    )


def _own_label(raw: str, body: str) -> ParsedBarcode:
    """Read SMPH-LOT:<code> / SMPH-PACK:<code>, naming what is wrong with anything else."""
    if match := _OWN.fullmatch(body):
        return ParsedBarcode(symbology=f"smph-{match[1].lower()}", raw=raw, own_code=match[2])
    kind, colon, code = body.partition(":")
    if not colon or kind not in ("SMPH-LOT", "SMPH-PACK"):
        problem = "it should start with SMPH-LOT: or SMPH-PACK:"
    elif not 8 <= len(code) <= 64:
        problem = f"its code has {len(code)} characters; ours have 8 to 64"
    else:
        bad = next(char for char in code if not re.fullmatch(r"[A-Za-z0-9_-]", char))
        problem = f'its code contains "{_show(bad)}"; only letters, digits, _ and - are allowed'
    raise MalformedBarcode(f'Label "{_show(body)}" is not one of ours: {problem}.')


def _from_hibc(raw: str, body: str, carrier: str | None) -> ParsedBarcode:
    """Wrap the HIBC reader's result."""
    if body.startswith("*+") and body.endswith("*"):
        body = body[1:-1]  # Code 39 start/stop asterisks copied from the printed text
    label = parse_hibc(body)
    return ParsedBarcode(
        symbology="hibc",
        raw=raw,
        lot=label.lot,
        expiry=label.expiry,
        serial=label.serial,
        hibc_lic=label.lic,
        hibc_product=label.product,
        carrier=carrier,
    )


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
                f'No GS1 field starts like "{_show(rest[:6])}" (character {position} of the scan).'
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
        raise MalformedBarcode(f'"{_show(body)}" is not a readable GS1 (AI)data text.')
    _elements(pairs, today)
    try:
        return GS1Message.parse_hri(hri, config=_CONFIG).element_strings
    except ParseError:
        raise MalformedBarcode(f'"{_show(body)}" is not a readable GS1 (AI)data text.') from None


def _digital_link(body: str, today: date) -> GS1ElementStrings:
    """Read a GS1 Digital Link URI, explaining the field biip's error names, if it names one."""
    try:
        return GS1DigitalLinkURI.parse(body, config=_CONFIG).element_strings
    except ParseError as error:
        failed = re.search(r"Failed to match '(.*)' with GS1 AI \((\d+)\)", str(error))
        if failed and failed[1].startswith(failed[2]):
            raise _explain(failed[2], failed[1][len(failed[2]) :], today) from None
        raise MalformedBarcode(
            f'Web link "{_show(body)}" is not a GS1 Digital Link: it needs /01/<GTIN> in its path.'
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


def _build(
    raw: str, symbology: str, carrier: str | None, elements: GS1ElementStrings, today: date
) -> ParsedBarcode:
    """Turn biip's element strings into a ParsedBarcode, enforcing GTIN check digits and dates."""
    fields: dict[str, str] = {}
    for element in elements:
        if element.gtin_error and element.ai.ai == "01":
            raise _gtin_problem(element.value)
        if fields.setdefault(element.ai.ai, element.value) != element.value:
            raise MalformedBarcode(f"The scan holds {element.ai} twice, with different values.")
    return ParsedBarcode(
        symbology=symbology,
        raw=raw,
        gtin=fields["01"].zfill(14) if "01" in fields else None,
        lot=fields.get("10"),
        expiry=_gs1_date("17", fields["17"], today) if "17" in fields else None,
        serial=fields.get("21"),
        production_date=_gs1_date("11", fields["11"], today) if "11" in fields else None,
        carrier=carrier,
    )


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
        raise MalformedBarcode(f'{label} "{_show(value)}" must be 6 digits, YYMMDD.')
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
        f'Field {known} "{_show(data)}" does not fit its GS1 format {known.format}.'
    )


def _gtin_problem(value: str) -> MalformedBarcode:
    """Explain a GTIN that is cut short, not numeric, or fails its check digit (R27)."""
    if not value.isdigit():
        return MalformedBarcode(f'GTIN "{_show(value)}" must be 14 digits, and only digits.')
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
            f'{label} "{_show(data)}" is {len(data)} characters long; GS1 allows at most 20.'
        )
    bad = next((char for char in data if not _CSET82.fullmatch(char)), None)
    if bad is not None:
        return MalformedBarcode(
            f'{label} "{_show(data)}" contains "{_show(bad)}", which GS1 does not allow.'
        )
    return None


def _show(text: str) -> str:
    """Make scanned text printable in a message: GS made visible, long text cut."""
    shown = text.replace(GS, "<GS>")
    return shown if len(shown) <= 48 else shown[:45] + "..."
