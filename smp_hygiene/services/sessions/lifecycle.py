"""A treatment session from start to seal, and the only ways a sealed record may change."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from smp_hygiene.errors import InvalidInput, NotAllowed, NotFound, SessionNotOpen
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Addendum,
    ChecklistAnswer,
    ChecklistItem,
    Client,
    InstrumentPack,
    PackUse,
    Refusal,
    SessionStatus,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.consent import consents
from smp_hygiene.services.people import permissions
from smp_hygiene.services.sessions import overrides
from smp_hygiene.services.sessions.completion import complete_session, completion_blockers
from smp_hygiene.services.sessions.locks import lock_session
from smp_hygiene.services.sessions.scans import ScanResult, record_scan, require_open
from smp_hygiene.timeutil import local_date, utcnow

# The chair and the audit views call these through this module.
__all__ = ["SHOWN_WITH", "ScanResult", "complete_session", "completion_blockers", "record_scan"]

# Everything the chair's session page shows, loaded with the session in a fixed number of
# queries however many supplies were scanned (not a lot and a product per use).
SHOWN_WITH = (
    joinedload(TreatmentSession.client),
    selectinload(TreatmentSession.uses).joinedload(SupplyUse.lot).joinedload(SupplyLot.product),
    selectinload(TreatmentSession.answers),
    selectinload(TreatmentSession.overrides),
    selectinload(TreatmentSession.pack_uses)
    .joinedload(PackUse.pack)
    .joinedload(InstrumentPack.cycle),
    selectinload(TreatmentSession.addenda).joinedload(Addendum.author),
)

# A gap longer than this starts a new course rather than continuing the last one.
COURSE_GAP = timedelta(days=120)


def start_session(
    client: Client,
    technician: User,
    *,
    treated_area: str = "",
    course_number: int | None = None,
    acknowledge_reason: str | None = None,
    now: datetime | None = None,
) -> TreatmentSession:
    """Open a session; a second one within the healing gap needs an acknowledged reason."""
    now = now or utcnow()
    # Technicians only: every session is signed by the practitioner who treats, and the admins
    # and auditors who review records never make them.
    permissions.require(
        permissions.can_treat(technician) and technician.clinic_id == client.clinic_id,
        "Only a technician of this clinic can start a session for this client.",
    )
    consents.require_current_consent(client)  # DOMAIN R20
    _refuse_parallel_session(client)
    previous = previous_session(client, now)
    session = TreatmentSession(
        clinic_id=client.clinic_id,
        client=client,
        technician=technician,
        started_at=now,
        treated_area=treated_area.strip(),
        course_number=course_number or _next_number(previous, now),
    )
    db.session.add(session)
    gap = healing_gap_warning(client, previous, now)
    if gap:
        overrides.acknowledge(session, technician, "healing_gap", gap, acknowledge_reason)
    chain.record(technician, "session.started", session)
    return session


def _refuse_parallel_session(client: Client) -> None:
    open_session = db.session.scalar(
        select(TreatmentSession).where(
            TreatmentSession.client_id == client.id,
            TreatmentSession.status == SessionStatus.IN_PROGRESS,
        )
    )
    if open_session:
        raise InvalidInput(
            f"{client.full_name} already has session #{open_session.id} in progress "
            f"with {open_session.technician.name}. Finish or void it first."
        )


def previous_session(
    client: Client, at: datetime, statuses: tuple[SessionStatus, ...] = (SessionStatus.COMPLETED,)
) -> TreatmentSession | None:
    """The client's latest session started by `at`; a booking also counts one still open."""
    return db.session.scalar(
        select(TreatmentSession)
        .where(
            TreatmentSession.client_id == client.id,
            TreatmentSession.status.in_(statuses),
            TreatmentSession.started_at <= at,
        )
        .order_by(TreatmentSession.started_at.desc())
        .limit(1)
    )


def _next_number(previous: TreatmentSession | None, now: datetime) -> int:
    if previous is None or now - previous.started_at > COURSE_GAP:
        return 1
    return previous.course_number + 1


def healing_gap_warning(
    client: Client, previous: TreatmentSession | None, at: datetime, since: str = "ago"
) -> str | None:
    """DOMAIN R26: the scalp needs days to heal; too soon is a warning, not a ban. `since` says
    what the days are counted to ("ago", "before this booking")."""
    minimum = client.clinic.healing_gap_days
    if previous is None or at - previous.started_at >= timedelta(days=minimum):
        return None
    days = (at - previous.started_at).days
    on = local_date(previous.started_at, client.clinic.timezone)
    gap = f"less than a day {since}" if days == 0 else f"{_days(days)} {since}"
    return (
        f"{client.full_name} had session {previous.course_number} on {on}, {gap}. The skin "
        f"needs at least {_days(minimum)} to heal between sessions."
    )


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def attest_label_info(session: TreatmentSession, user: User, now: datetime | None = None) -> None:
    """The client was shown batch and ingredients of the pigments (REACH entry 75, R3)."""
    lock_session(session)
    require_open(session, user)
    if session.label_info_provided_at is None:
        session.label_info_provided_at = now or utcnow()
        chain.record(user, "session.label_info_provided", session)


def answer_item(
    session: TreatmentSession, item: ChecklistItem, user: User, now: datetime | None = None
) -> ChecklistAnswer:
    """Tick one checklist item; ticking it again keeps the first tick."""
    lock_session(session)
    require_open(session, user)
    if item.clinic_id != session.clinic_id or not item.is_active:
        raise InvalidInput("That checklist item is not on this clinic's current checklist.")
    existing = next((a for a in session.answers if a.item_id == item.id), None)
    if existing:
        return existing
    answer = ChecklistAnswer(
        item_id=item.id, item_text=item.text, answered_by=user, answered_at=now or utcnow()
    )
    session.answers.append(answer)
    chain.record(user, "checklist.ticked", answer)
    return answer


def add_addendum(session: TreatmentSession, author: User, reason: str, body: str) -> Addendum:
    """Correct a sealed record by adding to it; the record itself never changes."""
    lock_session(session)
    if author.clinic_id != session.clinic_id:
        raise NotAllowed("This session belongs to another clinic.")
    # An auditor or admin may add to any record; a technician only to the sessions they ran.
    if not permissions.can_audit(author) and session.technician_id != author.id:
        raise NotAllowed("Only the technician who ran the session, or an auditor, adds to it.")
    if session.status is SessionStatus.IN_PROGRESS:
        raise SessionNotOpen("The session is still in progress: correct it directly.")
    if not reason.strip() or not body.strip():
        raise InvalidInput("An addendum needs both a reason and the correction itself.")
    addendum = Addendum(author=author, reason=reason.strip(), body=body.strip())
    session.addenda.append(addendum)
    chain.record(author, "session.addendum", addendum)
    return addendum


def void_session(session: TreatmentSession, user: User, reason: str) -> None:
    """Void with a reason; a sealed record stays readable and is shown as voided."""
    lock_session(session)
    if user.clinic_id != session.clinic_id:
        raise NotAllowed("This session belongs to another clinic.")
    if session.status is SessionStatus.VOIDED:
        raise SessionNotOpen(f"Session #{session.id} is already voided.")
    if session.status is SessionStatus.COMPLETED and not permissions.can_administer(user):
        raise NotAllowed("Only an admin can void a completed session.")
    if not reason.strip():
        raise InvalidInput("Say why the session is voided.")
    before = chain.snapshot(session)
    session.status, session.voided_at, session.voided_by_id = (
        SessionStatus.VOIDED,
        utcnow(),
        user.id,
    )
    session.void_reason = reason.strip()
    chain.record(user, "session.voided", session, before=before)


def record_refusal(
    user: User, error: Exception, raw_input: str = "", session: TreatmentSession | None = None
) -> Refusal:
    """Keep what the rules refused; the caller commits it after rolling back the refused change."""
    refusal = Refusal(
        clinic_id=user.clinic_id,
        user_id=user.id,
        session_id=session.id if session else None,
        reason=type(error).__name__,
        message=str(error),
        raw_input=raw_input[:500],
    )
    db.session.add(refusal)
    return refusal


def get_session(session_id: int, user: User) -> TreatmentSession:
    """A session of the user's own clinic, or NotFound.

    Another clinic's session is NotFound too, not NotAllowed: a refusal would confirm to a
    stranger that a session with that number exists, and a clinical record reveals nothing.
    """
    session = db.session.get(TreatmentSession, session_id)
    if session is None or session.clinic_id != user.clinic_id:
        raise NotFound(f"There is no session #{session_id} in your clinic.")
    return session
