"""The sealed form of a session record and its SHA-256 digest.

Seal version 2 covers what the record shows: the session, every supply use with the patch test
that cleared it, the packs with their cycle and release, the checklist, acknowledged warnings,
the consent that cleared the session and the label information shown. Version 1 seals (made
before version 2) still verify against the fields version 1 covered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import Consent, PatchTest, SupplyUse, TreatmentSession
from smp_hygiene.services.audit.chain import canonical
from smp_hygiene.services.sessions import seal_loading, seal_rows
from smp_hygiene.services.sessions.seal_loading import SealInputs
from smp_hygiene.services.sterilisation import packs

SEAL_VERSION = 2
# What a version 1 seal covered: its content is version 2's, cut back to these keys.
# fmt: off
_V1_KEYS = (
    "session_id", "clinic_id", "client_id", "technician_id", "course_number", "treated_area",
    "notes", "started_at", "completed_at", "label_info_provided_at", "uses", "checklist", "packs",
    "overrides",
)
_V1_USE_KEYS = (
    "lot_id", "product_id", "gtin", "lot", "expiry", "sterility_expiry", "quantity", "serial",
    "used_at", "used_by", "raw", "diluent_lot_id", "patch_test_id",
)
_V1_PACK_KEYS = (
    "pack", "contents", "steriliser", "steriliser_serial", "cycle", "sterilised_at",
    "released_at", "expires_on", "used_at", "used_by", "raw",
)
# fmt: on


def sealed_content(session: TreatmentSession, known: SealInputs | None = None) -> dict:
    """Everything the record vouches for. Statuses that later events change (a lot's recall, a
    cycle's quarantine) are left out, so those events never break the seal: they are shown
    beside it. `known` holds the consent and packs when a batch loaded them already."""
    consent = known.consents.get(session.id) if known else _find_consent(session)
    pack_uses = known.pack_uses.get(session.id, []) if known else packs.list_pack_uses(session)
    return {
        "seal_version": SEAL_VERSION,
        "session_id": session.id,
        "clinic_id": session.clinic_id,
        "client_id": session.client_id,
        "technician_id": session.technician_id,
        "course_number": session.course_number,
        "treated_area": session.treated_area,
        "notes": session.notes,
        "started_at": session.started_at,
        "completed_at": session.completed_at,
        "label_info_provided_at": session.label_info_provided_at,
        "label_info": _label_info(session),
        "consent": _consent(consent),
        "uses": [_use(u) for u in session.uses],
        "checklist": [
            {"item_id": a.item_id, "text": a.item_text, "by": a.answered_by_id, "at": a.answered_at}
            for a in session.answers
        ],
        "packs": [packs.sealed_pack(use) for use in pack_uses],
        "overrides": [
            {
                "code": o.code,
                "message": o.message,
                "reason": o.reason,
                "by": o.acknowledged_by_id,
                "at": o.acknowledged_at,
            }
            for o in session.overrides
        ],
    }


def _use(use: SupplyUse) -> dict:
    lot, diluent = use.lot, use.diluent_lot
    sealed = {
        "lot_id": lot.id,
        "product_id": lot.product_id,
        "gtin": lot.product.gtin,
        "lot": lot.lot_number,
        "expiry": lot.expiry_date,
        "sterility_expiry": lot.sterility_expiry,
        "quantity": use.quantity,
        "serial": use.serial,
        "used_at": use.used_at,
        "used_by": use.used_by_id,
        "raw": use.raw_barcode,
        "diluent_lot_id": use.diluent_lot_id,
        "diluent": {"lot": diluent.lot_number, "expiry": diluent.expiry_date} if diluent else None,
        "patch_test_id": use.patch_test_id,
        "patch_test": _patch_test(use.patch_test),
    }
    # Only where true: every seal made before hand entry existed stays valid, and flipping the
    # flag either way on a sealed record still changes its digest.
    if use.is_hand_entry:
        sealed["hand_entry"] = True
    return sealed


def _patch_test(test: PatchTest | None) -> dict | None:
    """The reading that cleared the pigment: a later edit of its result or times breaks the seal."""
    if test is None:
        return None
    return {
        "id": test.id,
        "products": sorted(product.id for product in test.products),
        "applied_at": test.applied_at,
        "applied_by": test.applied_by_id,
        "site": test.site,
        "read_at": test.read_at,
        "read_by": test.read_by_id,
        "result": test.result,
        "signs": test.signs,
    }


def _label_info(session: TreatmentSession) -> dict:
    """R3: when the client was shown the pigment labels, and what those labels say."""
    pigments = {use.lot.id: use.lot for use in session.uses if use.lot.is_pigment}
    return {
        "provided_at": session.label_info_provided_at,
        "shown": [
            {
                "lot_id": lot.id,
                "lot": lot.lot_number,
                "tattoo_use_statement": lot.has_tattoo_use_statement,
                "ingredients": lot.ingredients,
                "warnings": lot.label_warnings,
            }
            for _, lot in sorted(pigments.items())
        ],
    }


def _find_consent(session: TreatmentSession) -> Consent | None:
    """The consent that cleared the session: the client's newest signed before it started."""
    return db.session.scalars(
        select(Consent)
        .where(Consent.client_id == session.client_id, Consent.signed_at <= session.started_at)
        .order_by(Consent.signed_at.desc(), Consent.id.desc())
        .limit(1)
    ).first()


def _consent(consent: Consent | None) -> dict | None:
    """Only what retention keeps: erasure empties the signature image and identity references but
    keeps the signature's SHA-256, so an erased client's seal still holds."""
    if consent is None:
        return None
    return {
        "id": consent.id,
        "template_id": consent.template_id,
        "signed_at": consent.signed_at,
        "signature_sha256": consent.signature_sha256,
    }


def _v1(content: dict) -> dict:
    """The content a version 1 seal covered, cut from the version 2 content."""
    legacy = {key: content[key] for key in _V1_KEYS}
    legacy["uses"] = [{key: use[key] for key in _V1_USE_KEYS} for use in content["uses"]]
    legacy["packs"] = [{key: pack[key] for key in _V1_PACK_KEYS} for pack in content["packs"]]
    return legacy


def _sha256(content: dict) -> str:
    return hashlib.sha256(canonical(content).encode()).hexdigest()


def digest(session: TreatmentSession) -> str:
    """The current seal version's digest of the record."""
    seal_loading.load_sealed_graph(session)
    return _sha256(sealed_content(session))


def seal_matches(session: TreatmentSession, known: SealInputs | None = None) -> bool:
    """The record still matches its stored digest, under the seal version it was made with."""
    if not session.sealed_digest:
        return False
    content = sealed_content(session, known)
    # Nearly every seal is the current version: the version 1 digest only when that one fails.
    return session.sealed_digest == _sha256(content) or session.sealed_digest == _sha256(
        _v1(content)
    )


def clinic_label(session: TreatmentSession) -> str:
    return f"clinic {session.clinic_id} ({session.clinic.name})"


@dataclass(frozen=True)
class SealReport:
    checked: int
    broken_session_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_session_id is None


SEAL_BATCH = 1_000  # sessions checked per batch: a few queries each, and memory that stays flat


def verify_seals() -> SealReport:
    """Recompute every sealed session's digest, whatever its status, a batch at a time; name the
    first that no longer matches, with its clinic."""
    checked = 0
    for batch in seal_rows.sealed_batches(0, None, SEAL_BATCH):
        known = seal_loading.seal_inputs(batch)
        for session in batch:
            checked += 1
            if not seal_matches(session, known):
                return SealReport(checked, session.id, seal_problem(session))
    return SealReport(checked)


def seal_problem(session: TreatmentSession) -> str:
    return (
        f"{clinic_label(session)}: session #{session.id} no longer matches its sealed digest: "
        "its record was changed after completion"
    )
