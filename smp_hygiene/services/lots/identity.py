"""How a lot number is read: its matching key, numbers that say nothing, and ranges of lots."""

from __future__ import annotations

import re

from smp_hygiene.errors import InvalidInput

# R2: a batch number that says nothing is as good as none.
PLACEHOLDER_LOTS = frozenset(
    {
        "",
        "0",
        "00",
        "000",
        "-",
        "--",
        "N/A",
        "NA",
        "NONE",
        "NIL",
        "LOT",
        "BATCH",
        "XXX",
        "XXXX",
        "TBD",
        "UNKNOWN",
        "?",
    }
)
_LOT_NOISE = re.compile(r"^(LOT|BATCH|CH|CHARGE)[-.\s]*(NR|NO|NUM|NUMBER)?[-.:#\s]*", re.I)
_TAIL_NUMBER = re.compile(r"^(.*?)(\d+)$")


def normalise_lot(text: str) -> str:
    """Match "Lot-Nr. D 199" and "d199" alike: drop the label word, spaces and punctuation."""
    stripped = _LOT_NOISE.sub("", text.strip())
    return re.sub(r"[^0-9A-Z]", "", stripped.upper())


def is_placeholder(lot_number: str | None) -> bool:
    """A missing lot number, or one such as "N/A" or "000" that traces nothing."""
    return not lot_number or lot_number.strip().upper() in PLACEHOLDER_LOTS


def range_bounds(keys: list[str]) -> tuple[str, int, int]:
    """A range is two lot numbers that differ only in their final digits, e.g. D190 to D199."""
    example = "e.g. D190 to D199"
    if len(keys) != 2:
        raise InvalidInput(f"Give the first and the last lot of the range ({example}).")
    first, last = (_TAIL_NUMBER.match(key) for key in keys)
    if not (first and last) or first.group(1) != last.group(1):
        raise InvalidInput(
            f"The two ends of a range must differ only in their final digits ({example})."
        )
    low, high = int(first.group(2)), int(last.group(2))
    if low > high:
        raise InvalidInput("The first lot of the range comes after the last.")
    return first.group(1), low, high


def in_range(key: str, prefix: str, low: int, high: int) -> bool:
    """Whether the lot key is `prefix` followed by a number from `low` to `high`."""
    match = _TAIL_NUMBER.match(key)
    if match is None:
        return False
    return match.group(1) == prefix and low <= int(match.group(2)) <= high
