"""The session screen: start, scan, tick, attest, acknowledge, complete."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import StringField, TextAreaField

from smp_hygiene.errors import ConsentRequired, DomainError, WarningNeedsAcknowledgement
from smp_hygiene.extensions import db
from smp_hygiene.models import ChecklistItem, Client, SessionStatus, TreatmentSession
from smp_hygiene.services.sessions import checklists, worklists
from smp_hygiene.services.sessions import lifecycle as sessions
from smp_hygiene.services.supplies import labels
from smp_hygiene.views.chair.blueprint import bp, keep_if_refused
from smp_hygiene.views.forms import BaseForm, IdField
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.verify import verify_url
from smp_hygiene.views.writes import done, once, refusal_page, wants_json


class StartForm(BaseForm):
    """The client, the area, and on a second try the reason to go ahead despite a warning."""

    client_id = IdField()
    treated_area = StringField()
    acknowledge_reason = TextAreaField()


class ScanForm(BaseForm):
    """One scan, with the diluent scanned before it and the reason to override a warning.

    Its nonce is not acted on: the page posts many scans from one form, and a repeated scan is
    judged by the barcode itself (the same serial, or the same lot within seconds)."""

    barcode = StringField()
    diluent = StringField()
    acknowledge_reason = TextAreaField()
    lot_number = StringField()  # typed, for a retail code that names no lot


class AddendumForm(BaseForm):
    """Why the sealed record needs a correction, and the correction."""

    reason = StringField()
    body = TextAreaField()


def _lot_line(kind: str, lot_number: str, expiry: str, use) -> str:
    """The line under a supply on the session screen, as the page itself prints it."""
    serial = f" · serial {use.serial}" if use.serial else ""
    hand = " · lot entered by hand" if use.is_hand_entry else ""
    return f"{kind} · lot {lot_number} · expires {expiry}{serial}{hand}"


def use_json(result) -> dict:
    """What the session screen shows of one scan: a supply lot or an instrument pack."""
    message = "Already recorded." if result.duplicate else None
    if result.pack_use is not None:
        pack = result.pack_use.pack
        shown = {
            "id": f"pack-{result.pack_use.id}",
            "kind": "Instrument pack",
            "product": pack.contents,
            "lot": f"from cycle {pack.cycle.cycle_number}",
            "expiry": pack.expires_on.isoformat() if pack.expires_on else "",
            "serial": pack.code,
            "detail": f"Instrument pack {pack.code} · from cycle {pack.cycle.cycle_number}",
            "summary": f"pack {pack.code} from cycle {pack.cycle.cycle_number}, {pack.keeps_until}",
        }
    else:
        use, lot = result.use, result.use.lot
        expiry = lot.expiry_date.isoformat() if lot.expiry_date else "none"
        shown = {
            "id": use.id,
            "kind": lot.product.kind.label,
            "product": lot.product.title,
            "lot": lot.lot_number,
            "expiry": expiry,
            "serial": use.serial or "",
            "hand_entry": use.is_hand_entry,
            "detail": _lot_line(lot.product.kind.label, lot.lot_number, expiry, use),
            "summary": f"lot {lot.lot_number}, expires {expiry}",
        }
    return {
        "ok": True,
        "duplicate": result.duplicate,
        "message": message or f"Recorded {shown['product']}.",
        "use": shown,
    }


def _start_refused(error: DomainError):
    """No consent: to the consent form. Otherwise say why, with a reason box for a warning."""
    form = StartForm()
    client = own_or_404(Client, form.client_id.data or 0)
    if isinstance(error, ConsentRequired):
        flash(str(error), "error")
        return redirect(url_for("chair.consent", client_id=client.id))
    warning = error if isinstance(error, WarningNeedsAcknowledgement) else None
    return render_template(
        "chair/start_refused.html",
        client=client,
        error=error,
        warning=warning,
        area=form.treated_area.data or "",
    ), 409


@bp.post("/sessions")
@refusal_page(_start_refused)
@once
def start():
    """Start a session; a missing consent leads to the form, a healing-gap warning asks why."""
    form = StartForm()
    client = own_or_404(Client, form.client_id.data or 0)
    session = sessions.start_session(
        client,
        current_user,
        treated_area=form.treated_area.data or "",
        acknowledge_reason=form.acknowledge_reason.data or None,
    )
    db.session.flush()
    return done(url_for("chair.show", session_id=session.id), "Session started.")


@bp.get("/sessions/<int:session_id>")
def show(session_id: int):
    """Everything the technician needs during the session, on one page."""
    session = own_or_404(TreatmentSession, session_id, sessions.SHOWN_WITH)
    is_open = session.status is SessionStatus.IN_PROGRESS
    items = checklists.active_items(session.clinic)
    pigments, other_pigments = worklists.pigment_lists(session, with_others=is_open)
    return render_template(
        "chair/session.html",
        session=session,
        open=is_open,
        items=items,
        ticked={a.item_id: a for a in session.answers},
        pigments=pigments,
        other_pigments=other_pigments,
        blockers=sessions.completion_blockers(session, items),
        labels=labels.session_labels(session) if is_open else [],
    )


def _scanned(session: TreatmentSession, result):
    """The page's script gets the use and the blockers left; a plain post, a flash."""
    payload = use_json(result)
    if wants_json():
        return jsonify(payload | {"blockers": sessions.completion_blockers(session)})
    flash(payload["message"], "info" if result.duplicate else "success")
    return redirect(url_for("chair.show", session_id=session.id))


@bp.post("/sessions/<int:session_id>/scans")
def scan(session_id: int):
    """Save one scan at once; JSON for the page's script, a redirect without it."""
    session, form = own_or_404(TreatmentSession, session_id), ScanForm()
    raw = form.barcode.data or ""
    keep_if_refused(raw, session)
    result = sessions.record_scan(
        session,
        raw,
        current_user,
        diluent_raw=form.diluent.data or None,
        acknowledge_reason=form.acknowledge_reason.data,
        typed_lot=form.lot_number.data or None,
        repeat_window=timedelta(seconds=current_app.config["DOUBLE_SCAN_SECONDS"]),
    )
    response = _scanned(session, result)  # before the commit, which would expire every row
    db.session.commit()
    return response


@bp.post("/sessions/<int:session_id>/checklist/<int:item_id>")
def tick(session_id: int, item_id: int):
    """Tick one checklist item; ticking twice keeps the first tick."""
    session = own_or_404(TreatmentSession, session_id)
    # Another clinic's item answers as a missing one: its text is that clinic's, not ours to log.
    item = own_or_404(ChecklistItem, item_id)
    keep_if_refused(item.text, session)
    answer = sessions.answer_item(session, item, current_user)
    db.session.commit()
    if not wants_json():
        return redirect(url_for("chair.show", session_id=session_id))
    blockers = sessions.completion_blockers(session)
    return jsonify(ok=True, at=answer.answered_at.strftime("%H:%M"), blockers=blockers)


@bp.post("/sessions/<int:session_id>/label-info")
@once
def label_info(session_id: int):
    """The client has been shown the pigments' batch numbers and ingredients (R3)."""
    session = own_or_404(TreatmentSession, session_id)
    keep_if_refused(session=session)
    sessions.attest_label_info(session, current_user)
    target = url_for("chair.show", session_id=session_id)
    return done(target, "Label information shown to the client: recorded.")


@bp.post("/sessions/<int:session_id>/complete")
@once
def complete(session_id: int):
    """Seal the session (the server checks the rules again), then show the aftercare card."""
    session = own_or_404(TreatmentSession, session_id)
    keep_if_refused(session=session)
    sessions.complete_session(session, current_user)
    target = url_for("chair.aftercare", session_id=session_id)
    return done(target, "Session completed and sealed.")


@bp.get("/sessions/<int:session_id>/aftercare")
def aftercare(session_id: int):
    """The printable card: QR of the public record, date, clinic, lots used, aftercare."""
    session = own_or_404(TreatmentSession, session_id)
    if session.status is not SessionStatus.COMPLETED or not session.verify_token:
        flash("The aftercare card is printed once the session is completed.", "info")
        return redirect(url_for("chair.show", session_id=session_id))
    return render_template(
        "chair/aftercare.html",
        session=session,
        verify_url=verify_url(session.verify_token),
        roll=request.args.get("format") == "roll62",
    )


@bp.post("/sessions/<int:session_id>/addenda")
@once
def addendum(session_id: int):
    """A technician corrects their own sealed session by adding to it, never by editing it."""
    session, form = own_or_404(TreatmentSession, session_id), AddendumForm()
    keep_if_refused(session=session)
    sessions.add_addendum(session, current_user, form.reason.data or "", form.body.data or "")
    return done(url_for("chair.show", session_id=session_id), "Addendum added to the record.")
