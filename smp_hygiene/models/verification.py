"""Signing keys for offline-verifiable QR codes, and every card a session was issued."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.models.base import Model, UTCDateTime
from smp_hygiene.models.people import Clinic, User
from smp_hygiene.timeutil import utcnow


class SigningKey(Model):
    """The public half of a clinic's Ed25519 key; the private half never enters the database."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="Ed25519")
    public_key: Mapped[str] = mapped_column(String(64))  # raw 32 bytes, base64url
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the key is rotated out: it still verifies older cards, never newer ones.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    clinic: Mapped[Clinic] = relationship()


class VerifyCard(Model):
    """One printed aftercare card: its token and signed code; a reprint replaces it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(16))
    signed_code: Mapped[str] = mapped_column(Text)  # the URL fragment printed in the QR code
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    replace_reason: Mapped[str] = mapped_column(Text, default="")

    replaced_by: Mapped[User | None] = relationship()


class PublicRecordRender(Model):
    """The public page, QR images and PDF of a sealed record as first made for its card, kept so
    the patient page is one lookup. Only a record with nothing live (no recall, addendum, void,
    suspect pack or unread patch test) is kept; anything live is rendered from the database."""

    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), primary_key=True)
    # The card's public address when made (token and host): a new card or host makes them again.
    verify_url: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(16))  # of the templates that made the page
    html: Mapped[str | None] = mapped_column(Text)
    qr_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    qr_svg: Mapped[bytes | None] = mapped_column(LargeBinary)
    record_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_name: Mapped[str] = mapped_column(String(80), default="")
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
