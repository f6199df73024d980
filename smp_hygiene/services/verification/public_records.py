"""What the public record page and its PDF may show: built field by field, so no PII slips in.

The templates only ever see a PublicRecord, never the session or the client, so a date of birth
or a phone number cannot reach the page by a template typo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from smp_hygiene.models import ProductKind, SessionStatus, SupplyUse, TreatmentSession
from smp_hygiene.services.recalls.notices import RecallNotice, recall_notices_for_session
from smp_hygiene.services.sterilisation import notices, packs
from smp_hygiene.services.sterilisation.notices import SterilisationNotice
from smp_hygiene.services.verification import signed_codes, tokens


@dataclass(frozen=True)
class SupplyLine:
    product: str
    manufacturer: str
    colour: str
    lot_number: str
    expiry: date | None
    sterility_expiry: date | None = None
    diluent: str = ""
    # A pigment's label as the client was shown it (REACH entry 75 point 7, DOMAIN R3).
    ingredients: str = ""
    tattoo_use_statement: bool = False
    label_warnings: str = ""


@dataclass(frozen=True)
class PatchTestLine:
    products: str
    applied_at: datetime
    read_at: datetime | None
    result: str


@dataclass(frozen=True)
class AddendumLine:
    at: datetime
    reason: str
    body: str


@dataclass(frozen=True)
class PublicRecord:
    verdict: str  # "sealed", "amended" or "voided"
    clinic_name: str
    clinic_address: str
    clinic_phone: str
    clinic_email: str
    day: date
    technician: str
    technician_licence: str
    course_number: int
    client_initials: str
    treated_area: str
    pigments: list[SupplyLine]
    needles: list[SupplyLine]
    others: list[SupplyLine]
    patch_tests: list[PatchTestLine]
    checklist_items: list[str]
    checklist_signed_at: datetime | None
    overrides: list[tuple[str, str]]
    addenda: list[AddendumLine]
    recalls: list[RecallNotice]
    voided_at: datetime | None
    void_reason: str
    lots_fingerprint: str
    sealed_fingerprint: str
    packs: list[PackLine] = field(default_factory=list)
    sterilisation_notices: list[SterilisationNotice] = field(default_factory=list)
    timezone: str = "UTC"  # the clinic's: every time on the page is shown on its clock

    @property
    def checklist_complete(self) -> bool:
        return bool(self.checklist_items) and self.checklist_signed_at is not None


def _line(use: SupplyUse) -> SupplyLine:
    lot, product = use.lot, use.lot.product
    diluent = use.diluent_lot
    return SupplyLine(
        product=product.name,
        manufacturer=product.manufacturer,
        colour=product.colour,
        lot_number=lot.lot_number,
        expiry=lot.expiry_date,
        sterility_expiry=lot.sterility_expiry,
        diluent=f"{diluent.product.title}, lot {diluent.lot_number}" if diluent else "",
        ingredients=lot.ingredients if lot.is_pigment else "",
        tattoo_use_statement=lot.has_tattoo_use_statement and lot.is_pigment,
        label_warnings=lot.label_warnings if lot.is_pigment else "",
    )


def _verdict(session: TreatmentSession) -> str:
    if session.status is SessionStatus.VOIDED:
        return "voided"
    return "amended" if session.addenda else "sealed"


def _patch_tests(session: TreatmentSession) -> list[PatchTestLine]:
    tests = {use.patch_test.id: use.patch_test for use in session.uses if use.patch_test}
    return [
        PatchTestLine(
            products=", ".join(p.title for p in test.products),
            applied_at=test.applied_at,
            read_at=test.read_at,
            result=test.result.value if test.result else "not read",
        )
        for test in sorted(tests.values(), key=lambda t: t.id)
    ]


@dataclass(frozen=True)
class PackLine:
    """A reprocessed instrument pack: which steriliser cycle, released when."""

    contents: str
    code: str
    steriliser: str
    cycle: int
    released_at: datetime | None
    quarantined: bool = False  # the load, after a positive spore test (R16)


def _packs(session: TreatmentSession) -> list[PackLine]:
    return [
        PackLine(
            use.pack.contents,
            use.pack.code,
            use.pack.cycle.steriliser.name,
            use.pack.cycle.cycle_number,
            use.pack.cycle.released_at,
            notices.load_quarantined(use.pack),
        )
        for use in packs.list_pack_uses(session)
    ]


def public_record(session: TreatmentSession) -> PublicRecord:
    """The record as a patient, another clinic or an inspector may see it."""
    lines: dict[ProductKind, list[SupplyLine]] = {kind: [] for kind in ProductKind}
    for use in session.uses:
        lines[use.lot.product.kind].append(_line(use))
    answered = [a.answered_at for a in session.answers]
    return PublicRecord(
        verdict=_verdict(session),
        clinic_name=session.clinic.name,
        clinic_address=session.clinic.address,
        clinic_phone=session.clinic.phone,
        clinic_email=session.clinic.email,
        day=tokens.record_day(session),
        timezone=session.clinic.timezone,
        technician=session.technician.display_name or "the clinic's technician",
        technician_licence=session.technician.licence,
        course_number=session.course_number,
        client_initials=session.client.initials,
        treated_area=session.treated_area,
        pigments=lines[ProductKind.PIGMENT],
        needles=lines[ProductKind.NEEDLE_CARTRIDGE],
        others=lines[ProductKind.OTHER],
        patch_tests=_patch_tests(session),
        packs=_packs(session),
        checklist_items=[a.item_text for a in session.answers],
        checklist_signed_at=max(answered) if answered else None,
        overrides=[(o.message, o.reason) for o in session.overrides],
        addenda=[AddendumLine(a.created_at, a.reason, a.body) for a in session.addenda],
        recalls=recall_notices_for_session(session),
        sterilisation_notices=notices.sterilisation_notices_for_session(session),
        voided_at=session.voided_at,
        void_reason=session.void_reason,
        lots_fingerprint=signed_codes.lots_fingerprint(tokens.lot_numbers(session)),
        sealed_fingerprint=signed_codes.sealed_fingerprint(session.sealed_digest or ""),
    )
