"""The path of a GS1 Digital Link URI, checked before biip so a refusal names the real fault.

GS1 Digital Link URI Syntax 1.1, §4.1-4.5: the path holds /01/<GTIN> (8, 12, 13 or 14 digits,
padded to 14), then the key qualifiers in the fixed order /22/<CPV>, /10/<lot>, /21/<serial>
(or /235/<TPX> in place of 21); other data, such as an expiry (17), goes in the query string.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from biip.checksums import gs1_standard_check_digit

from smp_hygiene.errors import MalformedBarcode
from smp_hygiene.services.barcodes.gs1_checks import shown

_QUALIFIER_RANK = {"22": 0, "10": 1, "21": 2, "235": 2}
_ORDER = "/22/, /10/, /21/"


def check_link_path(body: str) -> None:
    """Refuse a Digital Link whose GTIN or key qualifiers are wrong, saying which and why."""
    segments = urlsplit(body).path.split("/")
    if "01" not in segments:
        raise MalformedBarcode(
            f'Web link "{shown(body)}" is not a GS1 Digital Link: it needs /01/<GTIN> in its path.'
        )
    start = segments.index("01")
    rest = [unquote(segment) for segment in segments[start + 1 :]]
    if rest and not rest[-1]:
        rest.pop()  # a trailing slash
    _check_gtin(rest[0] if rest else "")
    _check_qualifiers(rest[1:])


def _check_gtin(gtin: str) -> None:
    """A link's GTIN: digits only, 8/12/13/14 of them, and a right check digit (R27)."""
    if not gtin:
        raise MalformedBarcode("The web link has /01/ but no GTIN after it.")
    bad = next((char for char in gtin if char not in "0123456789"), None)
    if bad is not None:
        raise MalformedBarcode(
            f'GTIN "{shown(gtin)}" in the web link contains "{shown(bad)}", which is not a digit.'
        )
    if len(gtin) not in (8, 12, 13, 14):
        raise MalformedBarcode(
            f"GTIN {gtin} in the web link has {len(gtin)} digits; a GTIN has 8, 12, 13 or 14."
        )
    expected = gs1_standard_check_digit(gtin[:-1])
    if expected != int(gtin[-1]):
        raise MalformedBarcode(
            f"GTIN {gtin.zfill(14)} has a wrong check digit (expected {expected})."
        )


def _check_qualifiers(pairs: list[str]) -> None:
    """Key qualifiers after the GTIN: each with a value, known, and in GS1's order."""
    if len(pairs) % 2:
        raise MalformedBarcode(f"The web link ends with /{shown(pairs[-1])} and no value after it.")
    seen: list[str] = []
    for ai in pairs[::2]:
        if ai not in _QUALIFIER_RANK:
            raise MalformedBarcode(
                f"The web link has /{shown(ai)}/ after the GTIN, which is not a key qualifier "
                f"of a GTIN ({_ORDER}); other data such as an expiry goes after ?, as ?17=YYMMDD."
            )
        if ai in seen:
            raise MalformedBarcode(f"The web link has /{ai}/ twice.")
        if seen and _QUALIFIER_RANK[ai] <= _QUALIFIER_RANK[seen[-1]]:
            raise MalformedBarcode(
                f"The web link puts /{ai}/ after /{seen[-1]}/: a GS1 Digital Link orders "
                f"them {_ORDER} after /01/<GTIN>."
            )
        seen.append(ai)
