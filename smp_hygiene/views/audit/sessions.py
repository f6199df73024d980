"""One session's full record, as staff see it: addenda for auditors and admins, void for admins."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import Role, TreatmentSession, User
from smp_hygiene.services import packs, sealing, sessions, verification
from smp_hygiene.views.audit import bp
from smp_hygiene.views.verify import verify_url


def _load(session_id: int) -> TreatmentSession:
    try:
        return sessions.get_session(session_id, current_user)
    except DomainError:
        abort(404)


@bp.get("/sessions/<int:session_id>")
def session_record(session_id: int):
    """Everything the record holds, and whether it still matches what was sealed."""
    session = _load(session_id)
    return render_template(
        "audit/session.html",
        session=session,
        packs=packs.list_pack_uses(session),
        seal_matches=bool(session.sealed_digest)
        and sealing.digest(session) == session.sealed_digest,
        voided_by=db.session.get(User, session.voided_by_id) if session.voided_by_id else None,
        card=verification.current_card(session),
        public_url=verify_url(session.verify_token) if session.verify_token else None,
        is_admin=current_user.role is Role.ADMIN,
    )


@bp.post("/sessions/<int:session_id>/addenda")
def add_addendum(session_id: int):
    """Correct a sealed record by adding to it; the sealed part never changes."""
    session = _load(session_id)
    try:
        sessions.add_addendum(
            session, current_user, request.form.get("reason", ""), request.form.get("body", "")
        )
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Addendum added to the record.", "success")
    return redirect(url_for("audit.session_record", session_id=session_id))


@bp.post("/sessions/<int:session_id>/void")
def void_session(session_id: int):
    """Admins only: void with a reason; the record stays readable and shows it was voided."""
    if current_user.role is not Role.ADMIN:
        abort(403)
    session = _load(session_id)
    try:
        sessions.void_session(session, current_user, request.form.get("reason", ""))
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Session #{session.id} voided. Its public record now says so.", "success")
    return redirect(url_for("audit.session_record", session_id=session_id))
