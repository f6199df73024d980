"""After the chair in the demo clinic: a check-in answered, one flagged, reports from the card
(one logged, one waiting in the inbox), and the early-warning signal they raise with Chris
Novak's reaction on the same pigment lot, waiting for the auditor's decision."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import Client, Clinic, FollowUp, ReactionSeverity, TreatmentSession, User
from smp_hygiene.services.aftercare import checkins
from smp_hygiene.services.reactions import inbox
from smp_hygiene.services.reactions.operations import ReactionInput
from smp_hygiene.timeutil import local_date


def load(clinic: Clinic, auditor: User) -> None:
    """Robin answers day 3 and reports bumps (logged: a signal), Alexis's day 7 is flagged,
    Jordan's report waits in the inbox."""
    robin, alexis, jordan = (_latest(clinic, name) for name in ("Robin Haas", "Alexis Duarte",
                                                                  "Jordan Mensah"))  # fmt: skip
    _answer(robin, 3, checkins.CheckInAnswers(has_redness=True, pain=2, other="Slight redness"))
    _answer(alexis, 7, checkins.CheckInAnswers(has_itching=True, has_redness=True, pain=3,
                                               other="Still itching at night"))  # fmt: skip
    report = _report(robin, 5, "Small itchy bumps on the crown, on the darker spots only.")
    data = ReactionInput(
        onset_at=robin.completed_at + timedelta(days=4),
        signs="Itchy papules confined to the pigmented dots (client photo)",
        severity=ReactionSeverity.MILD,
        actions_taken="Advised antihistamine cream; review photo in 3 days",
    )
    inbox.log_report(report, auditor, data)
    _report(jordan, 27, "A small scab is still there on the hairline, is that normal?")


def _latest(clinic: Clinic, name: str) -> TreatmentSession:
    session = db.session.scalars(
        select(TreatmentSession)
        .join(Client)
        .where(Client.clinic_id == clinic.id, Client.full_name == name)
        .order_by(TreatmentSession.started_at.desc())
    ).first()
    if session is None or session.completed_at is None:
        raise LookupError(f"demo data: no completed session for {name}")
    return session


def _answer(session: TreatmentSession, day: int, answers: checkins.CheckInAnswers) -> None:
    follow_up = db.session.scalar(select(FollowUp).filter_by(session_id=session.id, day=day))
    if follow_up is not None:
        photo = [("day3.jpg", _photo())] if day == 3 else []
        checkins.answer_follow_up(
            follow_up, answers, photo, now=follow_up.due_at + timedelta(hours=3)
        )


def _report(session: TreatmentSession, day: int, text: str):
    at = (session.completed_at or session.started_at) + timedelta(days=day)
    started = local_date(at, session.clinic.timezone) - timedelta(days=1)
    return inbox.submit_report(session, text, started, f"demo-report-{session.id}",
                               [("crown.jpg", _photo())], now=at)  # fmt: skip


def _photo() -> bytes:
    """A drawn stand-in for a client's phone photo: skin tone with darker dots."""
    image = Image.new("RGB", (480, 360), (222, 184, 160))
    draw = ImageDraw.Draw(image)
    for n in range(60):
        x, y = 20 + (n * 53) % 440, 20 + (n * 37) % 320
        draw.ellipse((x, y, x + 6, y + 6), fill=(70, 60, 58))
    draw.ellipse((200, 140, 260, 190), outline=(200, 90, 90), width=5)
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()
