"""A client's answers to a check-in, the flag they raise, and the clinic's call-back.

A flag goes up when the answers suggest a problem rather than normal healing: fever or
discharge (possible infection), redness that spreads, severe pain, or itching past the clinic's
healing days (five by default, as the scalp needs at least five days to heal, R26). It stays on
the dashboard and on Today, with the session's lots and the client's contact details, until
someone at the clinic has called the client and noted what they said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smp_hygiene.errors import DomainError, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    ClientPhoto,
    Clinic,
    FollowUp,
    FollowUpStatus,
    TreatmentSession,
    User,
)
from smp_hygiene.services.aftercare.photos import CleanPhoto, clean_photos
from smp_hygiene.services.aftercare.schedule import OPEN_DAYS, is_open
from smp_hygiene.services.aftercare.settings import settings_for
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions
from smp_hygiene.timeutil import local_time, utcnow

SEVERE_PAIN = 7  # of 10: more than healing skin should hurt after the first days


class CheckInClosed(DomainError):
    """A check-in that cannot be answered now: not yet due, answered, cancelled or expired."""

    label = "Check-in not open"


@dataclass(frozen=True)
class CheckInAnswers:
    """What the client ticked and wrote."""

    has_redness: bool = False
    is_redness_spreading: bool = False
    has_swelling: bool = False
    has_itching: bool = False
    has_discharge: bool = False
    has_fever: bool = False
    pain: int = 0
    other: str = ""


def find_follow_up(session: TreatmentSession, day: int) -> FollowUp | None:
    """The session's check-in for this day, if one was scheduled."""
    return db.session.scalar(select(FollowUp).filter_by(session_id=session.id, day=day))


def flag_reasons(follow_up: FollowUp, answers: CheckInAnswers, now: datetime) -> list[str]:
    """Why these answers need a call from the clinic, in words; empty for normal healing."""
    reasons = []
    if answers.has_fever or answers.has_discharge:
        found = [w for w, yes in (("fever", answers.has_fever),
                                  ("discharge", answers.has_discharge)) if yes]  # fmt: skip
        reasons.append(f"{' and '.join(found).capitalize()}: possible infection.")
    if answers.is_redness_spreading:
        reasons.append("Redness spreading beyond the treated area.")
    healing_days = settings_for(follow_up.session.clinic).itching_flag_days
    days = (now - (follow_up.session.completed_at or follow_up.session.started_at)).days
    if answers.has_itching and days > healing_days:
        reasons.append(f"Itching {days} days after the session (beyond {healing_days} days).")
    if answers.pain >= SEVERE_PAIN:
        reasons.append(f"Pain {answers.pain} of 10.")
    return reasons


def answer_follow_up(
    follow_up: FollowUp,
    answers: CheckInAnswers,
    uploads: list[tuple[str, bytes]] | None = None,
    now: datetime | None = None,
) -> FollowUp:
    """Keep the client's answers (and photos, cleaned); flag them when they suggest a problem."""
    now = now or utcnow()
    _require_open(follow_up, now)
    if not 0 <= answers.pain <= 10:
        raise InvalidInput("Pain: choose a number from 0 (none) to 10 (worst).")
    photos = clean_photos(uploads or [])
    for name, value in vars(answers).items():
        setattr(follow_up, name, value.strip() if isinstance(value, str) else value)
    follow_up.status, follow_up.answered_at = FollowUpStatus.ANSWERED, now
    follow_up.flag_reasons = " ".join(flag_reasons(follow_up, answers, now))
    for photo in photos:
        _keep_photo(follow_up, photo)
    chain.record(None, "follow_up.answered", follow_up)
    return follow_up


def _require_open(follow_up: FollowUp, now: datetime) -> None:
    closed = why_closed(follow_up, now)
    if closed:
        raise CheckInClosed(closed)


def why_closed(follow_up: FollowUp, now: datetime | None = None) -> str:
    """Why the client cannot answer this check-in now, in their words; empty when they can."""
    now = now or utcnow()
    if is_open(follow_up, now):
        return ""
    if follow_up.status is FollowUpStatus.ANSWERED:
        return "This check-in was already answered. Thank you."
    if follow_up.status is FollowUpStatus.CANCELLED:
        return "You asked for no more check-ins, so this one is closed."
    if now < follow_up.due_at:
        opens = f"{local_time(follow_up.due_at, follow_up.session.clinic.timezone):%d %b %Y}"
        return f"This check-in opens on {opens}. Come back then, or report a problem now."
    return (
        f"This check-in closed {OPEN_DAYS} days after it was due. If something is wrong, "
        "report a problem with this treatment instead."
    )


def _keep_photo(follow_up: FollowUp, photo: CleanPhoto) -> None:
    kept = ClientPhoto(
        clinic_id=follow_up.clinic_id, follow_up_id=follow_up.id, jpeg=photo.jpeg,
        width=photo.width, height=photo.height, sha256=photo.sha256,
    )  # fmt: skip
    db.session.add(kept)
    after = {"follow_up_id": follow_up.id, "sha256": kept.sha256, "width": kept.width}
    chain.record(None, "client_photo.received", kept, after=after)


def list_flagged(clinic: Clinic) -> list[FollowUp]:
    """Answered check-ins whose flag is still up, oldest first, with session, client and lots."""
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(
                FollowUp.clinic_id == clinic.id,
                FollowUp.flag_reasons != "",
                FollowUp.flag_cleared_at.is_(None),
            )
            .options(
                selectinload(FollowUp.session).selectinload(TreatmentSession.client),
                selectinload(FollowUp.session).selectinload(TreatmentSession.uses),
            )
            .order_by(FollowUp.answered_at, FollowUp.id)
        )
    )


def clear_flag(follow_up: FollowUp, actor: User, note: str, now: datetime | None = None) -> None:
    """The clinic called the client: the flag comes down, with what the client said."""
    permissions.require(
        actor.clinic_id == follow_up.clinic_id, "This check-in belongs to another clinic."
    )
    if not follow_up.is_flagged:
        raise CheckInClosed("This check-in has no open flag.")
    if not note.strip():
        raise InvalidInput(
            "Note what the client said when you called, or that they did not answer."
        )
    before = chain.snapshot(follow_up)
    follow_up.flag_cleared_at, follow_up.flag_cleared_by_id = now or utcnow(), actor.id
    follow_up.flag_note = note.strip()
    chain.record(actor, "follow_up.flag_cleared", follow_up, before=before)
