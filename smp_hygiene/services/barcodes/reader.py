"""One scan in, one ParsedBarcode out: GS1, a retail EAN/UPC/ITF-14, HIBC or an SMPH label."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, time

from smp_hygiene.errors import MalformedBarcode
from smp_hygiene.services.barcodes.gs1 import (
    read_digital_link,
    read_element_strings,
    read_hri,
    restore_separators,
)
from smp_hygiene.services.barcodes.gs1_checks import shown
from smp_hygiene.services.barcodes.hibc import parse_hibc
from smp_hygiene.services.barcodes.retail import is_retail, read_retail

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
    "]E0": "EAN-13/UPC",
    "]E4": "EAN-8",
    "]I0": "ITF",
    "]I1": "ITF",
}
_OWN = re.compile(r"SMPH-(LOT|PACK):([A-Za-z0-9_-]{8,64})")


@dataclass(frozen=True)
class ParsedBarcode:
    """What one scan says, whichever symbology carried it.

    `identifies_lot` is False for a retail code (symbology "gs1-retail": EAN-8, UPC-E, UPC-A,
    EAN-13, ITF-14; `carrier` names which). Such a code names a product by its GTIN and can never
    carry a lot, expiry or serial, so a caller must not treat it as a lot: receiving has to ask for
    the lot and expiry, and the chair must refuse it as a use unless the lot is entered by hand.
    Every other symbology can carry a lot (whether this scan did is in `lot`).
    """

    symbology: str  # "gs1" | "gs1-digital-link" | "gs1-retail" | "hibc" | "smph-lot" | "smph-pack"
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
    identifies_lot: bool = True
    quantity: int | None = None  # HIBC $$8/$$9 or /Q: units in the package
    expiry_time: time | None = None  # GS1 (7003): the label expires at this time on `expiry`

    def as_json(self) -> dict:
        """Every field, with dates and times as ISO strings, plus the catalogue product key."""
        data = asdict(self)
        for key in ("expiry", "production_date", "expiry_time"):
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
    carrier = code = None
    if aim := _AIM.match(body):
        code, carrier, body = aim[0], _CARRIERS.get(aim[0]), body[aim.end() :]
    if body.startswith(("+", "*+")):
        return _from_hibc(text, body, carrier)
    body = restore_separators(body).strip()  # str.strip() also drops a leading FNC1/GS
    if not body:
        raise MalformedBarcode("Nothing was scanned: the barcode text is empty.")
    if is_retail(code, body):
        return _from_retail(text, body, code)
    if body.startswith("SMPH-"):
        return _own_label(text, body)
    if body.lower().startswith(("http://", "https://")):
        fields = read_digital_link(body, today)
        return ParsedBarcode(symbology="gs1-digital-link", raw=text, carrier=carrier, **fields)
    if body.startswith("("):
        return ParsedBarcode(symbology="gs1", raw=text, carrier=carrier, **read_hri(body, today))
    if body[0].isascii() and body[0].isdigit():
        fields = read_element_strings(body, today)
        return ParsedBarcode(symbology="gs1", raw=text, carrier=carrier, **fields)
    raise MalformedBarcode(
        f'"{shown(body)}" is not a code we can read: expected GS1, HIBC (+...) or an SMPH label.'
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
        problem = f'its code contains "{shown(bad)}"; only letters, digits, _ and - are allowed'
    raise MalformedBarcode(f'Label "{shown(body)}" is not one of ours: {problem}.')


def _from_retail(raw: str, body: str, aim: str | None) -> ParsedBarcode:
    """Wrap an EAN/UPC/ITF-14 scan: a GTIN that names a product and never a lot."""
    gtin, carrier = read_retail(aim, body)
    return ParsedBarcode(
        symbology="gs1-retail", raw=raw, gtin=gtin, carrier=carrier, identifies_lot=False
    )


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
        production_date=label.production_date,
        quantity=label.quantity,
        hibc_lic=label.lic,
        hibc_product=label.product,
        carrier=carrier,
    )
