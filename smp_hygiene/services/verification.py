"""Public verification tokens for sealed session records."""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import TreatmentSession

TOKEN_BYTES = 18  # 144 bits, above the 128 the brief asks for; 24 URL-safe characters


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def find_session_by_token(token: str) -> TreatmentSession | None:
    """Look a token up through its unique index; unknown and malformed tokens look alike."""
    if not token or len(token) > 64:
        return None
    found = db.session.scalar(
        select(TreatmentSession).where(TreatmentSession.verify_token == token)
    )
    # The index finds the row; compare_digest keeps the final check constant-time.
    if found is None or not hmac.compare_digest(found.verify_token, token):
        return None
    return found


def issue_verification_token(session: TreatmentSession) -> str:
    """Give a sealed session its public token (the patient's QR code points at it)."""
    session.verify_token = new_token()
    return session.verify_token
