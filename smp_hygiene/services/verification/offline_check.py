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
    # The published keys are damaged or unreadable: nothing can be said about the card.
    COULD_NOT_CHECK = "could not check"


class Malformed(ValueError):
    """A published document (keys, revocation list) not in the shape the clinic publishes."""


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
        return EXIT_CODES[self.status]


EXIT_CODES = {
    Status.VALID: 0,
    Status.INVALID: 1,
    Status.UNCHECKED: 2,
    Status.COULD_NOT_CHECK: 2,
    Status.REVOKED: 3,
    Status.RECALL: 4,
}


def _when(text: object) -> datetime | None:
    """An aware timestamp from the document, None when absent; Malformed when unreadable."""
    if text is None or text == "":
        return None
    try:
        when = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise Malformed(f"the timestamp {str(text)[:40]!r} is not an ISO time with a zone")
    return when


def find_key(keys_doc: object, key_id: str) -> dict | None:
    """The published key `key_id`; Malformed when the document is not a list of keys."""
    keys = keys_doc.get("keys") if isinstance(keys_doc, dict) else None
    if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
        raise Malformed("the published keys are not in the expected shape")
    return next((k for k in keys if k.get("key_id") == key_id), None)


def _public_key(key: dict) -> bytes:
    """The key's raw Ed25519 bytes; a damaged key is Malformed, never a failed signature."""
    text = key.get("public_key")
    try:
        raw = signed_codes.b64d(text) if isinstance(text, str) else b""
    except BadCode:
        raw = b""
    if len(raw) != 32:
        raise Malformed(f"the published key {str(key.get('key_id'))[:40]!r} is damaged")
    return raw


def check_signature(code: signed_codes.SignedCode, keys_doc: dict, now: datetime) -> str | None:
    """Why the signature cannot be trusted, or None when it can."""
    claims = code.claims
    key = find_key(keys_doc, claims.key_id)
    if key is None:
        return f"signed with key {claims.key_id!r}, which the clinic has not published"
    if key.get("clinic_id") != claims.clinic_id:
        return "the key belongs to another clinic"
    public = _public_key(key)
    if not signed_codes.signature_matches(public, claims.message(), code.signature):
        return "the signature does not match the record: the code was altered or forged"
    until = _when(key.get("valid_until"))
    if until is not None and claims.day > (until + CLOCK_SKEW + DAY_AHEAD).date():
        return "signed after the clinic retired this key"
    if claims.day > (now + CLOCK_SKEW + DAY_AHEAD).date():
        return "the record is dated in the future"
    return None


def _clinic_entry(doc: object, clinic_id: int) -> dict | None:
    """The clinic's signed entry of the revocation document; Malformed when it has no such shape."""
    lists = doc.get("lists") if isinstance(doc, dict) else None
    if not isinstance(lists, list) or not all(isinstance(e, dict) for e in lists):
        raise Malformed("the revocation list is not in the expected shape")
    entry = next((e for e in lists if e.get("clinic_id") == clinic_id), None)
    if entry is not None and not all(
        isinstance(entry.get(name), str) for name in ("key_id", "signature", "payload")
    ):
        raise Malformed("the revocation list's entry for this clinic is incomplete")
    return entry


def _payload(payload_text: str) -> dict:
    """The signed payload: when it was issued and which cards are revoked."""
    try:
        payload = json.loads(payload_text)
    except ValueError:
        payload = None
    revoked = payload.get("revoked", []) if isinstance(payload, dict) else None
    if not isinstance(revoked, list) or not all(isinstance(r, dict) for r in revoked):
        raise Malformed("the revocation list's content is not in the expected shape")
    issued = _when(payload.get("issued_at")) if isinstance(payload, dict) else None
    if issued is None:
        raise Malformed("the revocation list does not say when it was issued")
    return payload | {"issued_at": issued}


def _revocation_list(doc: object, keys_doc: dict, clinic_id: int, now: datetime):
    """The clinic's verified revocation payload, or a string saying why it cannot be used."""
    if not doc:
        return "the revocation list could not be loaded"
    entry = _clinic_entry(doc, clinic_id)
    if entry is None:
        return "the revocation list does not cover this clinic"
    key = find_key(keys_doc, entry["key_id"])
    if key is None or key.get("clinic_id") != clinic_id:
        return "the revocation list is signed with an unknown key"
    try:
        signature = signed_codes.b64d(entry["signature"])
    except BadCode:
        return "the revocation list's signature is not readable"
    if not signed_codes.signature_matches(_public_key(key), entry["payload"].encode(), signature):
        return "the revocation list's signature does not match"
    payload = _payload(entry["payload"])
    issued = payload["issued_at"]
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
    try:
        problem = check_signature(code, keys_doc, now)
    except Malformed as error:
        return Verdict(Status.COULD_NOT_CHECK, [f"could not check the signature: {error}"])
    if problem:
        return Verdict(Status.INVALID, [problem], code.claims)
    try:
        listing = _revocation_list(revocations_doc, keys_doc, code.claims.clinic_id, now)
    except Malformed as error:
        listing = str(error)
    if isinstance(listing, str):
        return Verdict(
            Status.UNCHECKED, [f"could not check for revocations: {listing}"], code.claims
        )
    age = max(now - listing["issued_at"], timedelta(0))
    fingerprint = signed_codes.token_fingerprint(code.claims.token)
    entries = [r for r in listing.get("revoked", []) if r.get("t") == fingerprint]
    reasons = {r.get("reason") for r in entries if isinstance(r.get("reason"), str)}
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
