"""Domain errors: the facts a rule states when it says no. Plain Python, importable anywhere."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule said no; the message is safe to show the user."""

    http_status = 409


class NotAllowed(DomainError):
    http_status = 403


class NotFound(DomainError):
    http_status = 404


class InvalidInput(DomainError):
    """The input has the right shape for nothing we know: say which part and why."""

    http_status = 422


class MalformedBarcode(InvalidInput):
    """A scan could not be read as GS1, HIBC or one of our own labels."""


class MalformedLabel(InvalidInput):
    """A barcode parsed, but what it says cannot be a safe label (e.g. no expiry on a sterile)."""


class UnknownLot(NotFound):
    pass


class UnknownProduct(NotFound):
    pass


class UnsafeSupply(DomainError):
    """Expired, recalled, quarantined, unsterile or non-compliant: never overridable."""


class AlreadyUsed(DomainError):
    """A single-use item (serialised cartridge, pigment cap) already belongs to a session."""


class SerialRequired(DomainError):
    """A serialised single-use product was scanned without its serial: the unit is unknown."""


class LotNotOnBarcode(InvalidInput):
    """A retail code (EAN/UPC/ITF-14) names a product but no lot; `code` tells the chair's
    script whether the clinic lets the technician type the lot instead."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code  # "manual_lot": ask for the lot; None: hand entry is not allowed


class DuplicateScan(DomainError):
    """The same scan arrived twice within the double-submit window; one use was kept."""


class PatchTestRequired(DomainError):
    """No valid negative patch test clears this client for this pigment."""

    def __init__(self, message: str, *, reacted: bool = False) -> None:
        super().__init__(message)
        self.reacted = reacted  # a positive reading: blocks even where the rule only warns


class LabelInfoNotShown(DomainError):
    """REACH entry 75: the client sees the pigment label data before the first pigment."""


class WarningNeedsAcknowledgement(DomainError):
    """A soft rule fired; the technician may continue only by acknowledging it."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class SessionNotOpen(DomainError):
    """Only sessions in progress accept scans and ticks."""


class CannotComplete(DomainError):
    """A session is missing something the rules need before it can be sealed."""


class AlreadyExists(DomainError):
    pass


class IdempotencyKeyMissing(InvalidInput):
    """An API write came without a usable Idempotency-Key header."""


class IdempotencyKeyReused(InvalidInput):
    """An API client sent an Idempotency-Key it had already used for a different request."""


class InvalidCredentials(DomainError):
    http_status = 401


class TooManyAttempts(DomainError):
    """Sign-ins for this email are paused after repeated failures; the message says how long."""

    http_status = 429


class ConsentRequired(DomainError):
    """No current signed consent: no session may start (DOMAIN R20)."""


class ConsentRefused(DomainError):
    """A contraindication or the age rule forbids treatment; no consent is stored (R20, R21)."""


class SigningKeyMissing(DomainError):
    """The private half of a clinic's signing key is in neither its file nor its env var."""

    http_status = 503


class RecallClosed(DomainError):
    """A closed recall is part of the record: it is not closed twice or reopened."""


class BackupRefused(DomainError):
    """A backup or restore would lose or expose data: the passphrase, copy or target is wrong."""
