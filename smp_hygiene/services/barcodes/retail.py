"""Plain retail codes (EAN-8, UPC-E, UPC-A, EAN-13, ITF-14): a GTIN and nothing else.

These carriers hold only a product number. They are never GS1 element strings: `96385074` is an
EAN-8, not AI (96). Source: GS1 General Specifications §5.2 (EAN/UPC) and §5.3 (ITF-14), and the
AIM symbology identifiers ]E0 (EAN-13, UPC-A, UPC-E), ]E4 (EAN-8), ]I0/]I1 (ITF).
"""

from __future__ import annotations

import re

from biip.checksums import gs1_standard_check_digit

from smp_hygiene.errors import MalformedBarcode

# AIM prefixes whose data can only be a retail code.
RETAIL_AIMS = {"]E0": (8, 12, 13), "]E4": (8,), "]I0": (14,), "]I1": (14,)}
# Digit counts that, scanned without a GS1 prefix (none, or plain Code 128 ]C0), are a retail code.
BARE_LENGTHS = (8, 12, 13, 14)
_NAMES = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}
_DIGITS = re.compile(r"[0-9]+")


def is_retail(aim: str | None, body: str) -> bool:
    """Whether a scan is a retail code by its AIM prefix, or by being 8/12/13/14 bare digits."""
    if aim in RETAIL_AIMS:
        return True
    return aim in (None, "]C0") and bool(_DIGITS.fullmatch(body)) and len(body) in BARE_LENGTHS


def read_retail(aim: str | None, body: str) -> tuple[str, str]:
    """Return (GTIN padded to 14 digits, carrier name), the check digit verified (R27)."""
    lengths = RETAIL_AIMS.get(aim or "", BARE_LENGTHS)
    if not _DIGITS.fullmatch(body):
        bad = next(char for char in body if char not in "0123456789")
        raise MalformedBarcode(
            f'Retail barcode "{body[:48]}" contains "{bad}": EAN, UPC and ITF-14 hold digits only.'
        )
    if len(body) not in lengths:
        allowed = ", ".join(str(n) for n in lengths)
        raise MalformedBarcode(
            f"Retail barcode {body} has {len(body)} digits; this scanner type sends {allowed}."
        )
    carrier = _carrier(aim, body)
    digits = expand_upc_e(body) if carrier == "UPC-E" else body
    expected = gs1_standard_check_digit(digits[:-1])
    if expected != int(digits[-1]):
        raise MalformedBarcode(
            f"{carrier} {body} has a wrong check digit (expected {expected}): scan it again."
        )
    return digits.zfill(14), carrier


def _carrier(aim: str | None, body: str) -> str:
    """Name the retail symbology: ]E0 with 8 digits is UPC-E, ]I0/]I1 is ITF-14."""
    if aim == "]E0" and len(body) == 8:
        return "UPC-E"
    if aim in ("]I0", "]I1"):
        return "ITF-14"
    return _NAMES[len(body)]


def expand_upc_e(code: str) -> str:
    """Expand an 8-digit UPC-E (number system, 6 digits, check) to its 12-digit UPC-A."""
    system, d, check = code[0], code[1:7], code[7]
    if system not in "01":
        raise MalformedBarcode(f"UPC-E {code} must start with 0 or 1 (its number system).")
    last = d[5]
    if last in "012":
        middle = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        middle = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        middle = d[0:4] + "00000" + d[4]
    else:
        middle = d[0:5] + "0000" + last
    return system + middle + check
