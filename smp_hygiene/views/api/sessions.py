"""Treatment sessions: start, scan, tick, attest, complete, and correct by addendum; the same
services, rules and refusals as the chair's session screen."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_login import current_user

from smp_hygiene.models import (
    ChecklistAnswer,
    ChecklistItem,
    Client,
    SessionStatus,
    TreatmentSession,
)
from smp_hygiene.services.people.permissions import AUDIT_ROLES, CHAIR_ROLES
from smp_hygiene.services.sessions import checklists, worklists
from smp_hygiene.services.sessions import lifecycle as sessions
from smp_hygiene.views.api.blueprint import bp
from smp_hygiene.views.api.paging import page, page_of
from smp_hygiene.views.api.session_schemas import (
    AddendumInputSchema,
    AddendumSchema,
    ScanResultSchema,
    ScanSchema,
    SessionDetailSchema,
    SessionQuery,
    SessionSchema,
    StartSchema,
    TickSchema,
)
from smp_hygiene.views.api.tokens import allow
from smp_hygiene.views.api.writes import keep_if_refused, write
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.verify import verify_url

TAGS = ["sessions"]


def detail(session: TreatmentSession) -> dict:
    """The session with its record, its checklist as ticked, and what blocks completion."""
    is_open = session.status is SessionStatus.IN_PROGRESS
    return {
        **{name: getattr(session, name) for name in SessionSchema().fields},
        "uses": session.uses,
        "pack_uses": session.pack_uses,
        "checklist": _checklist(session),
        "addenda": session.addenda,
        "blockers": sessions.completion_blockers(session) if is_open else [],
        "verify_url": verify_url(session.verify_token) if session.verify_token else None,
    }


def _checklist(session: TreatmentSession) -> list[dict]:
    """The current items, ticked or not, then any retired item this session ticked."""
    ticked = {answer.item_id: answer for answer in session.answers}
    lines = [_line(item.id, item.text, ticked.pop(item.id, None)) for item in
             checklists.active_items(session.clinic)]  # fmt: skip
    return lines + [_line(a.item_id, a.item_text, a) for a in ticked.values()]


def _line(item_id: int, text: str, answer: ChecklistAnswer | None) -> dict:
    return {
        "item_id": item_id,
        "text": answer.item_text if answer else text,
        "ticked_at": answer.answered_at if answer else None,
        "ticked_by_id": answer.answered_by_id if answer else None,
    }


@bp.get("/sessions", tags=TAGS)
@allow(CHAIR_ROLES | AUDIT_ROLES)
@bp.arguments(SessionQuery, location="query")
@bp.response(200, page_of(SessionSchema))
def list_sessions(args: dict):
    """The clinic's sessions, newest first; one client's, or in one status, if asked."""
    query = worklists.sessions_query(current_user.clinic, args["client_id"], args["status"])
    return page(query, TreatmentSession.id, args)


@bp.get("/sessions/<int:session_id>", tags=TAGS)
@allow(CHAIR_ROLES | AUDIT_ROLES)
@bp.response(200, SessionDetailSchema)
def get_session(session_id: int):
    """One session with its whole record."""
    return detail(own_or_404(TreatmentSession, session_id))


@bp.post("/sessions", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(StartSchema)
@bp.response(201, SessionDetailSchema)
def start(data: dict):
    """Start a session: no current consent, a session already open or the healing gap without
    an acknowledged reason are refused, as at the chair."""
    client = own_or_404(Client, data["client_id"])
    keep_if_refused()
    session = sessions.start_session(
        client,
        current_user,
        treated_area=data["treated_area"],
        acknowledge_reason=data["acknowledge_reason"],
    )
    return detail(session)


@bp.post("/sessions/<int:session_id>/scans", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(ScanSchema)
@bp.response(201, ScanResultSchema)
def scan(data: dict, session_id: int):
    """Record one scanned supply or instrument pack after every rule for it."""
    session = own_or_404(TreatmentSession, session_id)
    keep_if_refused(data["barcode"], session)
    result = sessions.record_scan(
        session,
        data["barcode"],
        current_user,
        diluent_raw=data["diluent"],
        acknowledge_reason=data["acknowledge_reason"],
        typed_lot=data["lot_number"],
        repeat_window=timedelta(seconds=current_app.config["DOUBLE_SCAN_SECONDS"]),
    )
    blockers = sessions.completion_blockers(session)
    return {"duplicate": result.duplicate, "use": result.use, "pack_use": result.pack_use,
            "blockers": blockers}  # fmt: skip


@bp.post("/sessions/<int:session_id>/checklist/<int:item_id>", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.response(200, TickSchema)
def tick(session_id: int, item_id: int):
    """Tick one item of the clinic's checklist; ticking it again keeps the first tick."""
    session = own_or_404(TreatmentSession, session_id)
    item = own_or_404(ChecklistItem, item_id)
    keep_if_refused(item.text, session)
    answer = sessions.answer_item(session, item, current_user)
    return _line(item.id, item.text, answer) | {"blockers": sessions.completion_blockers(session)}


@bp.post("/sessions/<int:session_id>/label-info", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.response(200, SessionDetailSchema)
def label_info(session_id: int):
    """The client was shown the pigments' batch numbers and ingredients (R3)."""
    session = own_or_404(TreatmentSession, session_id)
    keep_if_refused(session=session)
    sessions.attest_label_info(session, current_user)
    return detail(session)


@bp.post("/sessions/<int:session_id>/complete", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.response(200, SessionDetailSchema)
def complete(session_id: int):
    """Seal the session after the server checks every rule again; its public record opens."""
    session = own_or_404(TreatmentSession, session_id)
    keep_if_refused(session=session)
    sessions.complete_session(session, current_user)
    return detail(session)


@bp.post("/sessions/<int:session_id>/addenda", tags=TAGS)
@allow(CHAIR_ROLES)
@write
@bp.arguments(AddendumInputSchema)
@bp.response(201, AddendumSchema)
def addendum(data: dict, session_id: int):
    """A technician corrects their own sealed session by adding to it, never by editing it."""
    session = own_or_404(TreatmentSession, session_id)
    keep_if_refused(session=session)
    return sessions.add_addendum(session, current_user, data["reason"], data["body"])
