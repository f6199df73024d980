"""Domain errors: the facts a rule states when it says no. Plain Python, importable anywhere."""

from __future__ import annotations

import re


class DomainError(Exception):
    """A business rule said no; the message is safe to show the user. `label` names the rule in
    a few words: the chair's refusal log stores the class name, and auditors read the label."""

    label = "Refused by a rule"
    http_status = 409


class NotAllowed(DomainError):
    label = "Not allowed for this role"
    http_status = 403


class NotFound(DomainError):
    label = "Record not found"
    http_status = 404


class InvalidInput(DomainError):
    """The input has the right shape for nothing we know: say which part and why."""

    label = "Input not understood"
    http_status = 422


class MalformedBarcode(InvalidInput):
    """A scan could not be read as GS1, HIBC or one of our own labels."""

    label = "Barcode could not be read"


class MalformedLabel(InvalidInput):
    """A barcode parsed, but what it says cannot be a safe label (e.g. no expiry on a sterile)."""

    label = "Label unsafe or incomplete"


class UnknownLot(NotFound):
    label = "Lot not received here"


class UnknownProduct(NotFound):
    label = "Product not in the catalogue"


class UnsafeSupply(DomainError):
    """Expired, recalled, quarantined, unsterile or non-compliant: never overridable."""

    label = "Unsafe supply (expired, recalled, quarantined or non-compliant)"


class AlreadyUsed(DomainError):
    """A single-use item (serialised cartridge, pigment cap) already belongs to a session."""

    label = "Single-use item already used"


class SerialRequired(DomainError):
    """A serialised single-use product was scanned without its serial: the unit is unknown."""

    label = "Serial number missing"


class LotNotOnBarcode(InvalidInput):
    """A retail code (EAN/UPC/ITF-14) names a product but no lot; `code` tells the chair's
    script whether the clinic lets the technician type the lot instead."""

    label = "Lot number not on the barcode"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code  # "manual_lot": ask for the lot; None: hand entry is not allowed


class DuplicateScan(DomainError):
    """The same scan arrived twice within the double-submit window; one use was kept."""

    label = "Same scan twice"


class PatchTestRequired(DomainError):
    """No valid negative patch test clears this client for this pigment."""

    label = "No cleared patch test"

    def __init__(self, message: str, *, reacted: bool = False) -> None:
        super().__init__(message)
        self.reacted = reacted  # a positive reading: blocks even where the rule only warns


class LabelInfoNotShown(DomainError):
    """REACH entry 75: the client sees the pigment label data before the first pigment."""

    label = "Pigment label not shown to the client"


class WarningNeedsAcknowledgement(DomainError):
    """A soft rule fired; the technician may continue only by acknowledging it."""

    label = "Warning not acknowledged"

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class SessionNotOpen(DomainError):
    """Only sessions in progress accept scans and ticks."""

    label = "Session not open"


class BookingNotOpen(DomainError):
    """Only a booking still booked is moved, cancelled or started."""

    label = "Booking no longer open"


class CannotComplete(DomainError):
    """A session is missing something the rules need before it can be sealed."""

    label = "Session not complete"


class AlreadyExists(DomainError):
    label = "Already exists"


class IdempotencyKeyMissing(InvalidInput):
    """An API write came without a usable Idempotency-Key header."""


class IdempotencyKeyReused(InvalidInput):
    """An API client sent an Idempotency-Key it had already used for a different request."""


class InvalidCredentials(DomainError):
    label = "Wrong email or password"
    http_status = 401


class TooManyAttempts(DomainError):
    """Sign-ins for this email are paused after repeated failures; the message says how long."""

    label = "Too many sign-in attempts"
    http_status = 429


class ConsentRequired(DomainError):
    """No current signed consent: no session may start (DOMAIN R20)."""

    label = "No signed consent"


class ConsentRefused(DomainError):
    """A contraindication or the age rule forbids treatment; no consent is stored (R20, R21)."""

    label = "Treatment not allowed (contraindication or age)"


class SigningKeyMissing(DomainError):
    """The private half of a clinic's signing key is in neither its file nor its env var."""

    label = "Signing key missing"
    http_status = 503


class RecallClosed(DomainError):
    """A closed recall is part of the record: it is not closed twice or reopened."""

    label = "Recall already closed"


class RetentionHold(DomainError):
    """A client past retention is still needed: an open recall or reaction must reach them."""

    label = "Client held: an open recall or reaction still needs them"


class BackupRefused(DomainError):
    """A backup or restore would lose or expose data: the passphrase, copy or target is wrong."""

    label = "Backup or restore refused"


def _rules(cls: type[DomainError] = DomainError):
    yield cls
    for sub in cls.__subclasses__():
        yield from _rules(sub)


def refusal_label(code: str) -> str:
    """Words for a refusal kept under its rule's class name (`Refusal.reason`); a name no rule
    has any more (renamed since) is at least split into words."""
    for rule in _rules():
        if rule.__name__ == code:
            return rule.label
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code).capitalize()
