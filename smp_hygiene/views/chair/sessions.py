"""The session screen: start, scan, tick, attest, acknowledge, complete."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from smp_hygiene.errors import ConsentRequired, DomainError, WarningNeedsAcknowledgement
from smp_hygiene.extensions import db
from smp_hygiene.models import ChecklistItem, SessionStatus, TreatmentSession
from smp_hygiene.services.sessions import checklists, worklists
from smp_hygiene.services.sessions import lifecycle as sessions
from smp_hygiene.views.chair import bp
from smp_hygiene.views.chair.consent import load_client
from smp_hygiene.views.chair.support import refuse, submit_once, submit_or_back
from smp_hygiene.views.verify import verify_url


def load_session(session_id: int) -> TreatmentSession:
    try:
        return sessions.get_session(session_id, current_user)
    except DomainError:
        abort(404)


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def use_json(result) -> dict:
    """What the session screen shows of one scan: a supply lot or an instrument pack."""
    message = "Already recorded." if result.duplicate else None
    if result.pack_use is not None:
        pack = result.pack_use.pack
        shown = {
            "id": f"pack-{result.pack_use.id}",
            "kind": "Instrument pack",
            "product": pack.contents,
            "lot": f"cycle {pack.cycle.cycle_number}",
            "expiry": pack.expires_on.isoformat() if pack.expires_on else "event-related",
            "serial": pack.code,
        }
    else:
        use, lot = result.use, result.use.lot
        shown = {
            "id": use.id,
            "kind": lot.product.kind.label,
            "product": lot.product.title,
            "lot": lot.lot_number,
            "expiry": lot.expiry_date.isoformat() if lot.expiry_date else "none",
            "serial": use.serial or "",
        }
    return {
        "ok": True,
        "duplicate": result.duplicate,
        "message": message or f"Recorded {shown['product']}.",
        "use": shown,
    }


@bp.post("/sessions")
def start():
    """Start a session; a missing consent leads to the form, a healing-gap warning asks why."""
    client = load_client(request.form.get("client_id", type=int) or 0)
    reason = request.form.get("acknowledge_reason") or None
    area = request.form.get("treated_area", "")

    def action() -> str:
        session = sessions.start_session(
            client, current_user, treated_area=area, acknowledge_reason=reason
        )
        db.session.flush()
        return url_for("chair.show", session_id=session.id)

    outcome = submit_once(action, success="Session started.")
    if isinstance(outcome, ConsentRequired):
        flash(str(outcome), "error")
        return redirect(url_for("chair.consent", client_id=client.id))
    if isinstance(outcome, DomainError):
        warning = outcome if isinstance(outcome, WarningNeedsAcknowledgement) else None
        return render_template(
            "chair/start_refused.html",
            client=load_client(client.id),
            error=outcome,
            warning=warning,
            area=area,
        ), 409
    return outcome


@bp.get("/sessions/<int:session_id>")
def show(session_id: int):
    """Everything the technician needs during the session, on one page."""
    session = load_session(session_id)
    return render_template(
        "chair/session.html",
        session=session,
        open=session.status is SessionStatus.IN_PROGRESS,
        items=checklists.active_items(session.clinic),
        ticked={a.item_id: a for a in session.answers},
        pigments=worklists.pigment_statuses(session),
        blockers=sessions.completion_blockers(session),
    )


@bp.post("/sessions/<int:session_id>/scans")
def scan(session_id: int):
    """Save one scan at once; JSON for the page's script, a redirect without it."""
    session = load_session(session_id)
    raw = request.form.get("barcode", "")
    try:
        result = sessions.record_scan(
            session,
            raw,
            current_user,
            diluent_raw=request.form.get("diluent") or None,
            acknowledge_reason=request.form.get("acknowledge_reason"),
            repeat_window=timedelta(seconds=current_app.config["DOUBLE_SCAN_SECONDS"]),
        )
        db.session.commit()
    except DomainError as error:
        message = refuse(error, raw, session)
        code = getattr(error, "code", None)
        if wants_json():
            return jsonify(
                ok=False, error=type(error).__name__, message=message, acknowledge=code
            ), error.http_status
        flash(message, "error")
        return redirect(url_for("chair.show", session_id=session_id))
    payload = use_json(result)
    if wants_json():
        payload["blockers"] = sessions.completion_blockers(session)
        return jsonify(payload)
    flash(payload["message"], "info" if result.duplicate else "success")
    return redirect(url_for("chair.show", session_id=session_id))


@bp.post("/sessions/<int:session_id>/checklist/<int:item_id>")
def tick(session_id: int, item_id: int):
    """Tick one checklist item; ticking twice keeps the first tick."""
    session = load_session(session_id)
    item = db.get_or_404(ChecklistItem, item_id)
    try:
        answer = sessions.answer_item(session, item, current_user)
        db.session.commit()
    except DomainError as error:
        message = refuse(error, item.text, session)
        if wants_json():
            return jsonify(ok=False, message=message), error.http_status
        flash(message, "error")
        return redirect(url_for("chair.show", session_id=session_id))
    if wants_json():
        return jsonify(
            ok=True,
            at=answer.answered_at.strftime("%H:%M"),
            blockers=sessions.completion_blockers(session),
        )
    return redirect(url_for("chair.show", session_id=session_id))


@bp.post("/sessions/<int:session_id>/label-info")
def label_info(session_id: int):
    """The client has been shown the pigments' batch numbers and ingredients (R3)."""
    session = load_session(session_id)
    return submit_or_back(
        lambda: (
            sessions.attest_label_info(session, current_user)
            or url_for("chair.show", session_id=session_id)
        ),
        url_for("chair.show", session_id=session_id),
        success="Label information shown to the client: recorded.",
        session=session,
    )


@bp.post("/sessions/<int:session_id>/complete")
def complete(session_id: int):
    """Seal the session (the server checks the rules again), then show the aftercare card."""
    session = load_session(session_id)
    return submit_or_back(
        lambda: (
            sessions.complete_session(session, current_user)
            and url_for("chair.aftercare", session_id=session_id)
        ),
        url_for("chair.show", session_id=session_id),
        success="Session completed and sealed.",
        session=session,
    )


@bp.get("/sessions/<int:session_id>/aftercare")
def aftercare(session_id: int):
    """The printable card: QR of the public record, date, clinic, lots used, aftercare."""
    session = load_session(session_id)
    if session.status is not SessionStatus.COMPLETED:
        flash("The aftercare card is printed once the session is completed.", "info")
        return redirect(url_for("chair.show", session_id=session_id))
    return render_template(
        "chair/aftercare.html",
        session=session,
        verify_url=verify_url(session.verify_token),
        roll=request.args.get("format") == "roll62",
    )


@bp.post("/sessions/<int:session_id>/addenda")
def addendum(session_id: int):
    """A technician corrects their own sealed session by adding to it, never by editing it."""
    session = load_session(session_id)
    if session.technician_id != current_user.id:
        abort(403)
    reason, body = request.form.get("reason", ""), request.form.get("body", "")
    return submit_or_back(
        lambda: (
            sessions.add_addendum(session, current_user, reason, body)
            and url_for("chair.show", session_id=session_id)
        ),
        url_for("chair.show", session_id=session_id),
        success="Addendum added to the record.",
        session=session,
    )
