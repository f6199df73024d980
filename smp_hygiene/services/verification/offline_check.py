"""Check a scanned code against the published keys and revocation list, with no database.

The rules mirror static/js/verify_offline.js, so the CLI and the browser give the same answer.
A revoked record must never pass because the list was missing, stale or forged: the verdict is
then UNCHECKED ("could not check for revocations"), never VALID.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from smp_hygiene.services.verification import signed_codes
from smp_hygiene.services.verification.signed_codes import BadCode, Claims

CLOCK_SKEW = timedelta(minutes=5)  # phones and laptops drift; a few minutes is not fraud
# A card carries the clinic's calendar day, which runs up to 14 h ahead of UTC's (UTC+14).
DAY_AHEAD = timedelta(hours=14)
REVOCATIONS_MAX_AGE = timedelta(days=7)


class Status(enum.StrEnum):
    VALID = "valid"
    RECALL = "valid, with a notice"
    UNCHECKED = "valid signature, revocations not checked"
    REVOKED = "revoked"
    INVALID = "invalid"


REVOKED_WORDS = {
    "voided": "the clinic voided this record",
    "replaced": "this card was replaced by a newer one",
}
# A "recall" entry is a notice: the card stays genuine. Its optional "notice" field says which;
# verifiers older than the field read every one as the supply recall, which still sends the
# patient to the record. An unknown notice word gets the plain sentence, never silence.
NOTICE_WORDS = {
    None: "a supply used in this treatment was recalled: open the record or ask the clinic",
    "sterilisation": (
        "the instruments used were sterilised in a load later quarantined after a failed spore "
        "test: open the record or ask the clinic"
    ),
}
OTHER_NOTICE = "the clinic published a notice about this treatment: open the record or ask it"


@dataclass
class Verdict:
    status: Status
    reasons: list[str] = field(default_factory=list)
    claims: Claims | None = None
    revocations_age: timedelta | None = None

    @property
    def exit_code(self) -> int:
        order = [Status.VALID, Status.INVALID, Status.UNCHECKED, Status.REVOKED, Status.RECALL]
        return order.index(self.status)


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def find_key(keys_doc: dict, key_id: str) -> dict | None:
    return next((k for k in keys_doc.get("keys", []) if k.get("key_id") == key_id), None)


def check_signature(code: signed_codes.SignedCode, keys_doc: dict, now: datetime) -> str | None:
    """Why the signature cannot be trusted, or None when it can."""
    claims = code.claims
    key = find_key(keys_doc, claims.key_id)
    if key is None:
        return f"signed with key {claims.key_id!r}, which the clinic has not published"
    if key.get("clinic_id") != claims.clinic_id:
        return "the key belongs to another clinic"
    public = signed_codes.b64d(key["public_key"])
    if not signed_codes.signature_matches(public, claims.message(), code.signature):
        return "the signature does not match the record: the code was altered or forged"
    until = _when(key.get("valid_until"))
    if until is not None and claims.day > (until + CLOCK_SKEW + DAY_AHEAD).date():
        return "signed after the clinic retired this key"
    if claims.day > (now + CLOCK_SKEW + DAY_AHEAD).date():
        return "the record is dated in the future"
    return None


def _revocation_list(doc: dict | None, keys_doc: dict, clinic_id: int, now: datetime):
    """The clinic's verified revocation payload, or a string saying why it cannot be used."""
    if not doc:
        return "the revocation list could not be loaded"
    entry = next((e for e in doc.get("lists", []) if e.get("clinic_id") == clinic_id), None)
    if entry is None:
        return "the revocation list does not cover this clinic"
    key = find_key(keys_doc, entry.get("key_id", ""))
    signature = signed_codes.b64d(entry.get("signature", ""))
    payload_text = entry.get("payload", "")
    if key is None or key.get("clinic_id") != clinic_id:
        return "the revocation list is signed with an unknown key"
    if not signed_codes.signature_matches(
        signed_codes.b64d(key["public_key"]), payload_text.encode(), signature
    ):
        return "the revocation list's signature does not match"
    payload = json.loads(payload_text)
    issued = datetime.fromisoformat(payload["issued_at"])
    if issued > now + CLOCK_SKEW:
        return "the revocation list is dated in the future: check this device's clock"
    if now - issued > REVOCATIONS_MAX_AGE + CLOCK_SKEW:
        return f"the revocation list is {(now - issued).days} days old"
    return payload


def check(text: str, keys_doc: dict, revocations_doc: dict | None, now: datetime) -> Verdict:
    """The full verdict on a scanned code; `now` is the checking device's clock, aware UTC."""
    try:
        code = signed_codes.parse(text)
    except BadCode as error:
        return Verdict(Status.INVALID, [str(error)])
    problem = check_signature(code, keys_doc, now)
    if problem:
        return Verdict(Status.INVALID, [problem], code.claims)
    listing = _revocation_list(revocations_doc, keys_doc, code.claims.clinic_id, now)
    if isinstance(listing, str):
        return Verdict(
            Status.UNCHECKED, [f"could not check for revocations: {listing}"], code.claims
        )
    age = max(now - datetime.fromisoformat(listing["issued_at"]), timedelta(0))
    fingerprint = signed_codes.token_fingerprint(code.claims.token)
    entries = [r for r in listing.get("revoked", []) if r.get("t") == fingerprint]
    reasons = {r.get("reason") for r in entries}
    revoked = sorted(reasons & set(REVOKED_WORDS))
    if revoked:
        return Verdict(Status.REVOKED, [REVOKED_WORDS[r] for r in revoked], code.claims, age)
    if "recall" in reasons:
        return Verdict(Status.RECALL, notice_texts(entries), code.claims, age)
    return Verdict(Status.VALID, ["genuine and sealed; not revoked"], code.claims, age)


def notice_texts(entries: list[dict]) -> list[str]:
    """What each distinct notice on the card's "recall" entries tells the patient, in order."""
    words = [r.get("notice") for r in entries if r.get("reason") == "recall"]
    texts = [NOTICE_WORDS.get(w, OTHER_NOTICE) if isinstance(w, str | None) else OTHER_NOTICE
             for w in words]  # fmt: skip
    return list(dict.fromkeys(texts))
