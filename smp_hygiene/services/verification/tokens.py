"""Public verification tokens, the signed cards that carry them, and the revocation list."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Clinic,
    LotStatus,
    SessionStatus,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
    User,
    VerifyCard,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions
from smp_hygiene.services.sessions.locks import lock_session
from smp_hygiene.services.sterilisation import notices
from smp_hygiene.services.verification import signed_codes, signing
from smp_hygiene.timeutil import local_date, utcnow

TOKEN_BYTES = 18  # 144 bits, above the 128 the brief asks for; 24 URL-safe characters
REVOCATIONS_VALID_FOR = timedelta(days=1)
# What token_urlsafe makes: anything else (a NUL, which PostgreSQL refuses) is never looked up.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def could_be_token(token: str) -> bool:
    """Is this shaped like a token we issue? Decided before any query."""
    return TOKEN_SHAPE.fullmatch(token or "") is not None


def _lookup(model, column, token: str):
    if not could_be_token(token):
        return None
    found = db.session.scalar(select(model).where(column == token))
    # The index finds the row; compare_digest keeps the final check constant-time.
    if found is None or not hmac.compare_digest(getattr(found, column.key), token):
        return None
    return found


def find_session_by_token(token: str) -> TreatmentSession | None:
    """Look a token up through its unique index; unknown and malformed tokens look alike."""
    found = _lookup(TreatmentSession, TreatmentSession.verify_token, token)
    if found is None or found.status is SessionStatus.IN_PROGRESS:
        return None
    return found


def find_replaced_card(token: str) -> VerifyCard | None:
    """A card that no longer vouches for its session (an admin replaced it, or it is not the
    session's current card): its token still answers, with no data."""
    card = _lookup(VerifyCard, VerifyCard.token, token)
    if card is None or (card.replaced_at is None and not _superseded(card)):
        return None
    return card


def _superseded(card: VerifyCard) -> bool:
    session = db.session.get(TreatmentSession, card.session_id)
    return session is None or session.verify_token != card.token


def current_card(session: TreatmentSession) -> VerifyCard | None:
    if not session.verify_token:
        return None
    return db.session.scalar(select(VerifyCard).where(VerifyCard.token == session.verify_token))


def lot_numbers(session: TreatmentSession) -> list[str]:
    """Every lot that went into the session, diluents included: what the card's signature binds."""
    lots = [use.lot for use in session.uses]
    lots += [use.diluent_lot for use in session.uses if use.diluent_lot is not None]
    return sorted({lot.lot_number for lot in lots})


def record_day(session: TreatmentSession) -> date:
    """The record's date on cards and public pages: the clinic's calendar day, not UTC's."""
    return local_date(session.completed_at or session.started_at, session.clinic.timezone)


def _sign_card(session: TreatmentSession, token: str) -> VerifyCard:
    key = signing.current_key(session.clinic) or signing.ensure_clinic_key(session.clinic)
    claims = signed_codes.Claims(
        token=token,
        key_id=key.key_id,
        day=record_day(session),
        clinic_id=session.clinic_id,
        lots=signed_codes.lots_fingerprint(lot_numbers(session)),
        sealed=signed_codes.sealed_fingerprint(session.sealed_digest or ""),
    )
    code = signed_codes.sign(claims, signing.private_key_for(key))
    card = VerifyCard(session_id=session.id, token=token, key_id=key.key_id, signed_code=code)
    db.session.add(card)
    session.verify_token = token
    return card


def issue_verification_token(session: TreatmentSession) -> VerifyCard:
    """Give a sealed session its public token and signed card; called once, when sealing."""
    if session.status is not SessionStatus.COMPLETED or not session.sealed_digest:
        raise InvalidInput("Only a sealed session gets a verification card.")
    if session.verify_token:
        raise InvalidInput("This session already has a verification card.")
    return _sign_card(session, new_token())


def rotate_verification_token(
    session: TreatmentSession, actor: User, reason: str = ""
) -> VerifyCard:
    """Reprint a card: the old token then says "this card was replaced" and shows no data."""
    lock_session(session)
    permissions.require(
        permissions.can_administer(actor) and actor.clinic_id == session.clinic_id,
        "Only an admin of this clinic can replace a verification card.",
    )
    old = current_card(session)
    if old is None:
        raise InvalidInput("This session has no verification card to replace.")
    old.replaced_at, old.replaced_by, old.replace_reason = utcnow(), actor, reason.strip()
    card = _sign_card(session, new_token())
    db.session.flush()
    chain.record(
        actor,
        "verify_card.replaced",
        session,
        before={"card_id": old.id, "token": signed_codes.token_fingerprint(old.token)},
        after={"card_id": card.id, "token": signed_codes.token_fingerprint(card.token)},
    )
    return card


def qr_text(card: VerifyCard, verify_url: str) -> str:
    """What the QR code holds: the verify URL, then the signed fragment."""
    return f"{verify_url}#{card.signed_code}"


def _revoked_entries(clinic: Clinic) -> list[dict]:
    """Every card of the clinic that no longer vouches for its record, and why."""
    entries = _voided_cards(clinic) + _replaced_cards(clinic) + _recalled_cards(clinic)
    entries += _superseded_cards(clinic) + _sterilisation_notices(clinic)
    return sorted(entries, key=lambda e: (e["t"], e["reason"], e.get("notice", "")))


def _revoked(card: VerifyCard, reason: str, at: datetime | None) -> dict:
    at_text = at.isoformat() if at is not None else None
    return {"t": signed_codes.token_fingerprint(card.token), "reason": reason, "at": at_text}


def _voided_cards(clinic: Clinic) -> list[dict]:
    rows = db.session.execute(
        select(VerifyCard, TreatmentSession.voided_at)
        .join(TreatmentSession, TreatmentSession.id == VerifyCard.session_id)
        .where(
            TreatmentSession.clinic_id == clinic.id,
            TreatmentSession.status == SessionStatus.VOIDED,
        )
    )
    return [_revoked(card, "voided", voided_at) for card, voided_at in rows]


def _replaced_cards(clinic: Clinic) -> list[dict]:
    cards = db.session.scalars(
        select(VerifyCard)
        .join(TreatmentSession, TreatmentSession.id == VerifyCard.session_id)
        .where(TreatmentSession.clinic_id == clinic.id, VerifyCard.replaced_at.isnot(None))
    )
    return [_revoked(card, "replaced", card.replaced_at) for card in cards]


def _superseded_cards(clinic: Clinic) -> list[dict]:
    """Cards that are not their session's current card and were never formally replaced: e.g.
    one signed by a completion that lost a race. Published as "replaced", the word every
    verifier already in the field (verify-qr, the offline page) knows as revoked."""
    cards = db.session.scalars(
        select(VerifyCard)
        .join(TreatmentSession, TreatmentSession.id == VerifyCard.session_id)
        .where(
            TreatmentSession.clinic_id == clinic.id,
            VerifyCard.replaced_at.is_(None),
            or_(
                TreatmentSession.verify_token.is_(None),
                TreatmentSession.verify_token != VerifyCard.token,
            ),
        )
    )
    return [_revoked(card, "replaced", None) for card in cards]


def _recalled_cards(clinic: Clinic) -> list[dict]:
    """A recall revokes the cards of every session that used a recalled lot, diluent included."""
    cards = db.session.scalars(
        select(VerifyCard)
        .join(SupplyUse, SupplyUse.session_id == VerifyCard.session_id)
        .join(
            SupplyLot,
            or_(SupplyLot.id == SupplyUse.lot_id, SupplyLot.id == SupplyUse.diluent_lot_id),
        )
        .where(SupplyLot.clinic_id == clinic.id, SupplyLot.status == LotStatus.RECALLED)
        .distinct()
    )
    return [_revoked(card, "recall", None) for card in cards]


def _sterilisation_notices(clinic: Clinic) -> list[dict]:
    """A pack from a load quarantined after a positive spore test: a notice, not a revocation.
    Published under "recall", the notice word every deployed verifier knows (the load's packs are
    recalled, R16), so an old verifier says "genuine, with a recall notice: open the record";
    the "notice" field lets a new one say which notice it is."""
    cards = db.session.scalars(
        select(VerifyCard).where(
            VerifyCard.session_id.in_(notices.sessions_with_suspect_packs(clinic))
        )
    )
    return [_revoked(card, "recall", None) | {"notice": "sterilisation"} for card in cards]


def revocations_document() -> dict:
    """Each clinic's revocation list, dated and signed with its current key."""
    now = utcnow().replace(microsecond=0)
    lists = []
    for clinic in db.session.scalars(select(Clinic).order_by(Clinic.id)):
        if signing.current_key(clinic) is None:
            continue
        payload = signing.canonical_json(
            {
                "clinic_id": clinic.id,
                "issued_at": now.isoformat(),
                "next_update": (now + REVOCATIONS_VALID_FOR).isoformat(),
                "revoked": _revoked_entries(clinic),
            }
        )
        lists.append(
            {"clinic_id": clinic.id, "payload": payload, **signing.sign_text(clinic, payload)}
        )
    return {"format": "smp-hygiene-revocations/1", "lists": lists}
