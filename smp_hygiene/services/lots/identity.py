"""How a lot number is read: its matching key, numbers that say nothing, and ranges of lots."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
# CHARGE before CH, or "Charge 7" would keep "ARGE"; LOTS, or "lots 12" would keep "S".
_LOT_NOISE = re.compile(r"^(LOTS?|BATCH|CHARGE|CH)[-.\s]*(NR|NO|NUM|NUMBER)?[-.:#\s]*", re.I)
_TAIL_NUMBER = re.compile(r"^(.*?)(\d+)$")


def normalise_lot(text: str) -> str:
    """Match "Lot-Nr. D 199" and "d199" alike: drop the label word, spaces and punctuation."""
    stripped = _LOT_NOISE.sub("", text.strip())
    return re.sub(r"[^0-9A-Z]", "", stripped.upper())


@dataclass(frozen=True)
class LotCandidate:
    """A lot code read out of a recall notice's batch text, and where in the text it came from."""

    key: str
    source: str


# Words a notice puts before a batch code (EN, DE, FR, IT, ES), with an optional "No"/"Nr"/"code".
_LOT_LABEL = (
    r"LOT(?:S|TO|E)?|BATCH(?:ES)?|CHARGEN?(?:BEZEICHNUNG)?|CH\.?-?B\.?|CH\."
    r"|N°\s*DE\s*LOT|NUM[EÉ]RO\s+DE\s+LOT|(?:LOT|BATCH)\s*#"
)
_LOT_NUMBER_WORD = r"(?:[-.\s]*(?:NR|NO|NUM|NUMBERS?|NUMMER|CODES?|#)(?![A-Z0-9]))?"
# Words for the other codes a notice prints beside the batch (dates, sizes): their text is no lot.
_OTHER_LABEL = (
    r"MANUFACTURED|MFG|MFD|PRODUCTION\s+DATE|EXPIRE[SD]?|EXPIRY(?:\s+DATE)?|EXP|BEST\s+BEFORE"
    r"|USE\s+BY|BBE?|HERGESTELLT|HALTBAR\s+BIS|MHD|VERWENDBAR\s+BIS|SIZE|REF|ART(?:ICLE)?\.?\s*NO"
)
_LABEL = re.compile(
    rf"(?<![A-Z0-9])(?:(?P<lot>(?:{_LOT_LABEL}){_LOT_NUMBER_WORD})|(?P<other>{_OTHER_LABEL}))"
    r"(?![A-Z])[.:#\s]*",
    re.I,
)
_SEPARATOR = re.compile(r"[,;/|&+]|(?<![A-Z0-9])(?:AND|OR|UND|ODER|ET|OU)(?![A-Z0-9])", re.I)


def lot_candidates(entry: str) -> list[LotCandidate]:
    """The lot codes a notice's batch text may mean: the whole, each labelled part, each run."""
    if is_placeholder(normalise_lot(entry)):
        return []  # "N/A" is no lot, not the lots "N" and "A"
    found = [LotCandidate(normalise_lot(entry), "the whole entry")]
    for label, part in _labelled_parts(entry):
        where = f"after “{label}”" if label else "before any label"
        found.append(LotCandidate(normalise_lot(part), f"the part {where}"))
        runs = [run for run in _SEPARATOR.split(part) if run.strip()]
        if len(runs) > 1:
            found += [LotCandidate(normalise_lot(run), f"one of the codes {where}") for run in runs]
    unique: dict[str, LotCandidate] = {}
    for candidate in found:
        if not is_placeholder(candidate.key):
            unique.setdefault(candidate.key, candidate)
    return list(unique.values())


def _labelled_parts(entry: str) -> list[tuple[str, str]]:
    """The text between labels, each with the lot label before it; dates and sizes left out."""
    parts: list[tuple[str, str]] = []
    label, start, keep = "", 0, True
    for match in _LABEL.finditer(entry):
        if keep and entry[start : match.start()].strip():
            parts.append((label, entry[start : match.start()]))
        label, start, keep = match.group().strip(), match.end(), bool(match.group("lot"))
    if keep and entry[start:].strip():
        parts.append((label, entry[start:]))
    return parts


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
