"""Consent before treatment: screening answers, proof of age, signature (R20, R21, R25)."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from PIL import Image, ImageChops
from sqlalchemy import select

from smp_hygiene.errors import ConsentRefused, ConsentRequired, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import Client, Consent, ConsentTemplate, User
from smp_hygiene.services.audit import chain

# Form versions live in consent_templates; their names stay importable from here too.
from smp_hygiene.services.consent.consent_templates import (  # noqa: F401
    ADULT_AGE,
    DEFAULT_MEDICAL_QUESTIONS,
    DEFAULT_RISK_TEXT,
    DELAYED_REACTION_NOTICE,
    MAX_VALID_DAYS,
    MIN_VALID_DAYS,
    create_template,
    find_current_template,
    list_templates,
    next_version_defaults,
)
from smp_hygiene.timeutil import utcnow

CONTRAINDICATIONS = {
    "has_sunburn": "sunburn on the treatment area",
    "has_open_lesions": "open lesions on the treatment area",
    "has_rash_or_infection": "a rash or infection on the treatment area",
    "is_intoxicated": "the client appears intoxicated",
}
ID_DOCUMENTS = {
    "passport": "Passport",
    "driving_licence": "Driving licence",
    "national_id": "National ID card",
    "residence_permit": "Residence permit",
}
MAX_SIGNATURE_BYTES = 300_000
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class ConsentForm:
    """What the client and technician filled in; the view builds it from the request."""

    contraindications: dict[str, bool]
    medical_answers: dict[str, bool]
    id_document_type: str
    id_document_ref: str
    signature_png: bytes
    explained_verbally: bool = False
    given_in_writing: bool = False
    declines_follow_ups: bool = False  # no aftercare check-ins (services/aftercare)
    guardian: dict[str, str] = field(default_factory=dict)  # name, document_ref, consent_ref


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def record_consent(client: Client, form: ConsentForm, actor: User) -> Consent:
    """Store a signed consent on the current form; refuse when screening or age says no."""
    template = find_current_template(client.clinic_id)
    if template is None:
        raise ConsentRequired("The clinic has no consent form yet: an admin must publish one.")
    _refuse_contraindications(template, form)
    age = age_on(client.date_of_birth, utcnow().date())
    _check_age(template, age, form.guardian)
    _check_paperwork(form)
    consent = Consent(
        clinic_id=client.clinic_id,
        client_id=client.id,
        template_id=template.id,
        medical_answers_json=json.dumps(form.medical_answers, sort_keys=True),
        explained_verbally=form.explained_verbally,
        given_in_writing=form.given_in_writing,
        id_document_type=form.id_document_type,
        id_document_ref=form.id_document_ref.strip(),
        age_verified_by_id=actor.id,
        age_at_signing=age,
        guardian_name=form.guardian.get("name", "").strip(),
        guardian_document_ref=form.guardian.get("document_ref", "").strip(),
        guardian_consent_ref=form.guardian.get("consent_ref", "").strip(),
        signature_png=form.signature_png,
        signature_sha256=hashlib.sha256(form.signature_png).hexdigest(),
        signed_at=(signed_at := utcnow()),
        follow_ups_declined_at=signed_at if form.declines_follow_ups else None,
        **{name: bool(form.contraindications.get(name)) for name in CONTRAINDICATIONS},
    )
    db.session.add(consent)
    after = {k: v for k, v in chain.snapshot(consent).items() if k != "signature_png"}
    chain.record(actor, "consent.signed", consent, after=after)
    return consent


def _refuse_contraindications(template: ConsentTemplate, form: ConsentForm) -> None:
    """R21: any contraindication, or a yes to a question the clinic marked as blocking."""
    found = [text for name, text in CONTRAINDICATIONS.items() if form.contraindications.get(name)]
    found += [
        q["text"].rstrip("?").lower()
        for q in template.medical_questions
        if q.get("blocks") and form.medical_answers.get(q["key"])
    ]
    if found:
        raise ConsentRefused("No treatment today: " + "; ".join(found) + ".")
    unanswered = [
        text for name, text in CONTRAINDICATIONS.items() if name not in form.contraindications
    ]
    unanswered += [
        q["text"] for q in template.medical_questions if q["key"] not in form.medical_answers
    ]
    if unanswered:
        raise InvalidInput("Answer every screening question: " + unanswered[0])


def _check_age(template: ConsentTemplate, age: int, guardian: dict[str, str]) -> None:
    """R20: adults only, unless the clinic allows minors from an age with a guardian."""
    if age >= ADULT_AGE:
        return
    allowed_from = template.guardian_consent_from_age
    if allowed_from is None or age < allowed_from:
        floor = ADULT_AGE if allowed_from is None else allowed_from
        raise ConsentRefused(f"The client is {age}: this clinic treats no one under {floor}.")
    missing = [part for part in ("name", "document_ref", "consent_ref") if not guardian.get(part)]
    if missing:
        raise ConsentRefused(
            f"The client is {age}: a guardian's name, ID and notarised consent are needed."
        )


def _check_paperwork(form: ConsentForm) -> None:
    if form.id_document_type not in ID_DOCUMENTS or not form.id_document_ref.strip():
        raise InvalidInput("Record the photo ID you checked: its type and reference.")
    if not (form.explained_verbally and form.given_in_writing):
        raise InvalidInput("Explain the form aloud and give the client a written copy first.")
    if len(form.signature_png) > MAX_SIGNATURE_BYTES:
        raise InvalidInput("The signature image is too large; clear it and sign again.")
    if not _has_ink(form.signature_png):
        raise InvalidInput("The client's signature is missing: ask them to sign in the box.")


def _has_ink(png: bytes) -> bool:
    """A PNG with at least one visible stroke: a blank canvas is no signature."""
    if not png.startswith(_PNG_MAGIC):
        return False
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.width * image.height > 4_000_000:  # a canvas is far smaller
                return False
            image.load()
            alpha = image.convert("RGBA").getchannel("A")
            ink = image.convert("L").point(lambda v: 255 if v < 128 else 0)
    except (OSError, ValueError, Image.DecompressionBombError):
        return False
    return ImageChops.multiply(alpha, ink).getbbox() is not None


def current_consent(client: Client, at: datetime | None = None) -> Consent | None:
    """The client's consent on the clinic's current form version, if still within its validity
    at `at` (default now; a booking asks about its planned time)."""
    template = find_current_template(client.clinic_id)
    if template is None:
        return None
    consent = db.session.scalars(
        select(Consent)
        .where(Consent.client_id == client.id, Consent.template_id == template.id)
        .order_by(Consent.signed_at.desc())
        .limit(1)
    ).first()
    at = at or utcnow()
    if consent is None or consent.signed_at < at - timedelta(days=template.valid_days):
        return None
    return consent


def require_current_consent(client: Client) -> Consent:
    """R20: no session without a current signed consent; start_session calls this first."""
    consent = current_consent(client)
    if consent is None:
        raise ConsentRequired(
            f"{client.full_name} has no current signed consent: complete the consent form first."
        )
    return consent
