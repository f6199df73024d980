"""Consent forms (a versioned template per clinic) and the consents clients sign (R20, R21)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.models.base import Model, UTCDateTime
from smp_hygiene.models.people import Client, Clinic, User
from smp_hygiene.timeutil import utcnow


class ConsentTemplate(Model):
    """One version of a clinic's consent form; a new wording is a new version, never an edit."""

    __table_args__ = (UniqueConstraint("clinic_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    # Procedure, risks, complications, restrictions and aftercare, as shown to the client.
    risk_text: Mapped[str] = mapped_column(Text)
    # JSON list of {"key", "text", "blocks"}: the clinic's own medical questions.
    medical_questions_json: Mapped[str] = mapped_column(Text, default="[]")
    # None: no one under 18. 16 (Florida, FAC 64E-28.009): 16-17 with a guardian's consent.
    guardian_consent_from_age: Mapped[int | None]
    valid_days: Mapped[int] = mapped_column(default=365)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    clinic: Mapped[Clinic] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def medical_questions(self) -> list[dict]:
        return json.loads(self.medical_questions_json)


class Consent(Model):
    """A client's signed consent against one template version, with the screening answers."""

    __table_args__ = (Index("ix_consent_client_signed", "client_id", "signed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("consent_template.id"))
    # DOMAIN R21 contraindications: a consent is only stored when all of these are "no".
    has_sunburn: Mapped[bool] = mapped_column(default=False)
    has_open_lesions: Mapped[bool] = mapped_column(default=False)
    has_rash_or_infection: Mapped[bool] = mapped_column(default=False)
    is_intoxicated: Mapped[bool] = mapped_column(default=False)
    # JSON object {question key: true/false} for the template's medical questions.
    medical_answers_json: Mapped[str] = mapped_column(Text, default="{}")
    explained_verbally: Mapped[bool] = mapped_column(default=False)
    given_in_writing: Mapped[bool] = mapped_column(default=False)
    # Proof of age (DOMAIN R20): which document was seen, its reference, who checked it.
    id_document_type: Mapped[str] = mapped_column(String(40))
    id_document_ref: Mapped[str] = mapped_column(String(100))
    age_verified_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    age_at_signing: Mapped[int]
    guardian_name: Mapped[str] = mapped_column(String(200), default="")
    guardian_document_ref: Mapped[str] = mapped_column(String(100), default="")
    guardian_consent_ref: Mapped[str] = mapped_column(String(100), default="")  # notarised form
    # The PNG drawn on the screen, kept in the row so it shares the record's backups,
    # transaction and retention; the audit trail keeps its SHA-256.
    signature_png: Mapped[bytes] = mapped_column(LargeBinary)
    signature_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The client asked for no aftercare check-ins: at signing, or later from a check-in's link.
    follow_ups_declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship()
    template: Mapped[ConsentTemplate] = relationship()
    age_verified_by: Mapped[User] = relationship()

    @property
    def medical_answers(self) -> dict[str, bool]:
        return json.loads(self.medical_answers_json)
