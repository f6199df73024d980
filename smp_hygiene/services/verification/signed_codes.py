"""The signed QR code format, and checking a code with no database (CLI and tests).

A card's QR code is `<base>/v/<token>#1.<key_id>.<YYYYMMDD>.<clinic_id>.<lots>.<sealed>.<sig>`.
The fragment never reaches the server (browsers do not send it), so it stays out of access logs.
The signature is Ed25519 over `smph1|token|key_id|YYYYMMDD|clinic_id|lots|sealed`, where `lots`
is a 9-byte fingerprint of the sorted lot numbers and `sealed` the first 12 bytes of SHA-256 over
the record's sealed digest, both base64url (96 bits: only the clinic could sign a colliding
record, and it can sign anything anyway). The whole text stays within QR version 10-M (213 bytes)
for host names up to about 40 characters. static/js/verify_offline.js implements the same rules.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

VERSION = "1"
MESSAGE_PREFIX = "smph1"
SIGNATURE_CHARS = 86  # 64 bytes in unpadded base64url


class BadCode(ValueError):
    """The scanned text is not a complete signed code; the message says what is wrong."""


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise BadCode("a field is not valid base64url") from error


def lots_fingerprint(lot_numbers: Iterable[str]) -> str:
    """Nine bytes of SHA-256 over the sorted, distinct lot numbers, one per line."""
    joined = "\n".join(sorted({lot.strip() for lot in lot_numbers}))
    return b64e(hashlib.sha256(joined.encode()).digest()[:9])


def sealed_fingerprint(sealed_digest: str) -> str:
    """Twelve bytes of SHA-256 over the sealed digest: binds the card to the sealed content."""
    return b64e(hashlib.sha256(sealed_digest.encode()).digest()[:12])


def token_fingerprint(token: str) -> str:
    """How the public revocation list names a record without handing out its token."""
    return b64e(hashlib.sha256(f"smph-revoke|{token}".encode()).digest()[:12])


@dataclass(frozen=True)
class Claims:
    """What a card's signature vouches for."""

    token: str
    key_id: str
    day: date
    clinic_id: int
    lots: str
    sealed: str

    def message(self) -> bytes:
        fields = [self.token, self.key_id, self.day.strftime("%Y%m%d"), str(self.clinic_id)]
        return "|".join([MESSAGE_PREFIX, *fields, self.lots, self.sealed]).encode()


@dataclass(frozen=True)
class SignedCode:
    base_url: str  # scheme://host, as printed
    claims: Claims
    signature: bytes


def sign(claims: Claims, private_key: Ed25519PrivateKey) -> str:
    """The URL fragment (without '#') to print after the verify URL."""
    signature = b64e(private_key.sign(claims.message()))
    day = claims.day.strftime("%Y%m%d")
    fields = [VERSION, claims.key_id, day, str(claims.clinic_id), claims.lots, claims.sealed]
    return ".".join([*fields, signature])


def signature_matches(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def parse(text: str) -> SignedCode:
    """Split a scanned code into its parts, or raise BadCode saying what is missing."""
    url, _, fragment = text.strip().partition("#")
    base, marker, token = url.rpartition("/v/")
    if not marker or not token or "/" in token or "?" in token:
        raise BadCode("this is not a treatment record code (no /v/<token> link)")
    if not fragment:
        raise BadCode("the code carries no signature (it may have been cut short)")
    parts = fragment.split(".")
    if parts[0] != VERSION:
        raise BadCode(f"unknown code version {parts[0]!r}")
    if len(parts) != 7 or len(parts[6]) != SIGNATURE_CHARS:
        raise BadCode("the signature is incomplete: the code was truncated or damaged")
    _, key_id, day, clinic_id, lots, sealed, signature = parts
    try:
        parsed_day = datetime.strptime(day, "%Y%m%d").date()
        clinic = int(clinic_id)
    except ValueError as error:
        raise BadCode("the date or clinic in the code is unreadable") from error
    claims = Claims(token, key_id, parsed_day, clinic, lots, sealed)
    return SignedCode(base, claims, b64d(signature))
