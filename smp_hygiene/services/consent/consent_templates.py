"""Consent form versions: each clinic publishes its own wording and rules (R20, R21, R25)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, ConsentTemplate, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions

# DOMAIN R25: every version of the form says this, whatever else the clinic writes.
DELAYED_REACTION_NOTICE = (
    "A negative patch test does not exclude an allergic reaction later: delayed reactions to "
    "pigments can appear weeks or months after treatment. Tell us about any reaction at once."
)
DEFAULT_RISK_TEXT = (
    "Procedure: pigment is placed in the upper skin with single-use sterile needles.\n"
    "Risks and complications: redness, swelling, tenderness, infection, allergic reaction, "
    "scarring, colour change over time, and results that differ from what was hoped for.\n"
    "Restrictions: no sun, swimming, sauna, sweating or scratching of the treated area "
    "while it heals.\n"
    "Aftercare: keep the area clean and dry and follow the written aftercare card."
)
DEFAULT_MEDICAL_QUESTIONS = [
    {"key": "diabetes", "text": "Do you have diabetes?", "blocks": False},
    {"key": "cold_sores", "text": "Do you get cold sores?", "blocks": False},
    {"key": "skin_condition", "text": "Psoriasis or eczema on the area?", "blocks": True},
    {"key": "pregnant", "text": "Are you pregnant or nursing?", "blocks": True},
    {"key": "bleeding", "text": "A bleeding disorder or blood thinners?", "blocks": True},
    {"key": "allergies", "text": "Known allergy to pigments or topicals?", "blocks": False},
]
ADULT_AGE = 18
MIN_VALID_DAYS, MAX_VALID_DAYS = 1, 730


def create_template(
    clinic: Clinic,
    actor: User,
    *,
    title: str,
    risk_text: str = DEFAULT_RISK_TEXT,
    medical_questions: list[dict] | None = None,
    guardian_consent_from_age: int | None = None,
    valid_days: int = 365,
) -> ConsentTemplate:
    """Publish the clinic's next form version, as one of its admins; the delayed-reaction notice
    is always part of it."""
    permissions.require(
        permissions.can_administer(actor) and actor.clinic_id == clinic.id,
        "Only an admin of this clinic can publish its consent form.",
    )
    if guardian_consent_from_age is not None and not 14 <= guardian_consent_from_age < ADULT_AGE:
        raise InvalidInput("A guardian rule must start between 14 and 17 years.")
    _check_template_fields(title, risk_text, medical_questions, valid_days)
    if DELAYED_REACTION_NOTICE not in risk_text:
        risk_text = f"{risk_text.rstrip()}\n{DELAYED_REACTION_NOTICE}"
    latest = db.session.scalar(
        select(func.max(ConsentTemplate.version)).where(ConsentTemplate.clinic_id == clinic.id)
    )
    template = ConsentTemplate(
        clinic_id=clinic.id,
        version=(latest or 0) + 1,
        title=title.strip(),
        risk_text=risk_text,
        medical_questions_json=json.dumps(medical_questions or DEFAULT_MEDICAL_QUESTIONS),
        guardian_consent_from_age=guardian_consent_from_age,
        valid_days=valid_days,
        created_by_id=actor.id,
    )
    db.session.add(template)
    chain.record(actor, "consent_template.published", template)
    return template


def _check_template_fields(
    title: str, risk_text: str, questions: list[dict] | None, valid_days: int
) -> None:
    if not title.strip():
        raise InvalidInput("A consent form needs a title.")
    if not risk_text.strip():
        raise InvalidInput("A consent form needs its text: procedure, risks and aftercare.")
    if not MIN_VALID_DAYS <= valid_days <= MAX_VALID_DAYS:
        raise InvalidInput(
            f"A signed consent stays valid between {MIN_VALID_DAYS} and {MAX_VALID_DAYS} days."
        )
    questions = questions or []
    if any(not q.get("key") or not str(q.get("text", "")).strip() for q in questions):
        raise InvalidInput("Every medical question needs a key and its wording.")
    keys = [q["key"] for q in questions]
    if len(set(keys)) != len(keys):
        raise InvalidInput("Two medical questions share a key: give each its own.")


def next_version_defaults(clinic: Clinic) -> dict:
    """What a new version starts from: the current one's wording and rules, or the defaults."""
    current = find_current_template(clinic.id)
    if current is None:
        return {
            "title": "Consent to treatment",
            "risk_text": DEFAULT_RISK_TEXT,
            "medical_questions": DEFAULT_MEDICAL_QUESTIONS,
            "guardian_consent_from_age": None,
            "valid_days": 365,
        }
    return {
        "title": current.title,
        "risk_text": current.risk_text.replace(DELAYED_REACTION_NOTICE, "").strip(),
        "medical_questions": current.medical_questions,
        "guardian_consent_from_age": current.guardian_consent_from_age,
        "valid_days": current.valid_days,
    }


def list_templates(clinic: Clinic) -> list[ConsentTemplate]:
    """Every version of the clinic's form, newest first; old versions stay with their consents."""
    return list(
        db.session.scalars(
            select(ConsentTemplate)
            .where(ConsentTemplate.clinic_id == clinic.id)
            .order_by(ConsentTemplate.version.desc())
        )
    )


def find_current_template(clinic_id: int) -> ConsentTemplate | None:
    """The clinic's newest form version, which every new consent is signed against."""
    return db.session.scalars(
        select(ConsentTemplate)
        .where(ConsentTemplate.clinic_id == clinic_id)
        .order_by(ConsentTemplate.version.desc())
        .limit(1)
    ).first()
