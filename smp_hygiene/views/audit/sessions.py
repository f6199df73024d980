"""One session's full record, as staff see it: addenda for auditors and admins, void for admins."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_login import current_user
from wtforms import StringField, TextAreaField

from smp_hygiene.csvexport import csv_response
from smp_hygiene.extensions import db
from smp_hygiene.models import TreatmentSession, User
from smp_hygiene.services.people import permissions
from smp_hygiene.services.sessions import lifecycle as sessions
from smp_hygiene.services.sessions import sealing
from smp_hygiene.services.sterilisation import packs
from smp_hygiene.services.verification import tokens
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.forms import BaseForm
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.verify import verify_url
from smp_hygiene.views.writes import done, once


class AddendumForm(BaseForm):
    """Why the sealed record needs adding to, and what to add."""

    reason = StringField("Reason for the addendum")
    body = TextAreaField("Correction or note, as it should be read beside the record")


class VoidForm(BaseForm):
    """Why the session is void."""

    reason = StringField("Why is it void?")


def _load(session_id: int) -> TreatmentSession:
    return own_or_404(TreatmentSession, session_id)


@bp.get("/sessions/<int:session_id>")
def session_record(session_id: int):
    """Everything the record holds, and whether it still matches what was sealed."""
    session = _load(session_id)
    return render_template(
        "audit/session.html",
        session=session,
        packs=packs.list_pack_uses(session),
        seal_matches=sealing.seal_matches(session),
        voided_by=db.session.get(User, session.voided_by_id) if session.voided_by_id else None,
        card=tokens.current_card(session),
        public_url=verify_url(session.verify_token) if session.verify_token else None,
        is_admin=permissions.can_administer(current_user),
    )


def _at(moment) -> str:
    return moment.isoformat() if moment else ""


SUPPLIES_HEADER = ["Scanned at", "Product", "GTIN", "Lot", "Lot status", "Expiry"]
SUPPLIES_HEADER += ["Sterile until", "Serial", "Diluent", "Patch test", "Patch test result", "By"]


@bp.get("/sessions/<int:session_id>/supplies.csv")
def session_supplies_csv(session_id: int):
    """The supplies scanned in one session, with lot, diluent and patch test, as CSV."""
    session = _load(session_id)
    rows = (
        [_at(u.used_at), u.lot.product.title, u.lot.product.gtin, u.lot.lot_number]
        + [u.lot.status.value, _at(u.lot.expiry_date), _at(u.lot.sterility_expiry), u.serial]
        + [f"{u.diluent_lot.product.title} lot {u.diluent_lot.lot_number}" if u.diluent_lot else ""]
        + [u.patch_test_id or "", _patch_result(u), u.used_by.name]
        for u in session.uses
    )
    return csv_response(f"session-{session.id}-supplies.csv", SUPPLIES_HEADER, rows)


def _patch_result(use) -> str:
    if not use.patch_test:
        return ""
    return use.patch_test.result.value if use.patch_test.result else "not read"


PACKS_HEADER = ["Pack", "Contents", "Steriliser", "Serial", "Cycle", "Cycle run", "Cycle status"]
PACKS_HEADER += ["Pack status", "Opened at"]


@bp.get("/sessions/<int:session_id>/packs.csv")
def session_packs_csv(session_id: int):
    """The sterilised instrument packs opened in one session, with their cycle, as CSV."""
    session = _load(session_id)
    rows = (
        [use.pack.code, use.pack.contents, use.pack.cycle.steriliser.name]
        + [use.pack.cycle.steriliser.serial, use.pack.cycle.cycle_number]
        + [_at(use.pack.cycle.started_at), use.pack.cycle.status.value, use.pack.status.value]
        + [_at(use.used_at)]
        for use in packs.list_pack_uses(session)
    )
    return csv_response(f"session-{session.id}-packs.csv", PACKS_HEADER, rows)


@bp.get("/sessions/<int:session_id>/checklist.csv")
def session_checklist_csv(session_id: int):
    """The hygiene checklist of one session, as worded when ticked, as CSV."""
    session = _load(session_id)
    rows = ([a.item_text, a.answered_by.name, _at(a.answered_at)] for a in session.answers)
    header = ["Item, as worded when ticked", "Ticked by", "At"]
    return csv_response(f"session-{session.id}-checklist.csv", header, rows)


@bp.post("/sessions/<int:session_id>/addenda")
@once
def add_addendum(session_id: int):
    """Correct a sealed record by adding to it; the sealed part never changes."""
    session, form = _load(session_id), AddendumForm()
    if not form.validate_on_submit():
        abort(400)
    sessions.add_addendum(session, current_user, form.reason.data, form.body.data)
    return done(
        url_for("audit.session_record", session_id=session_id), "Addendum added to the record."
    )


@bp.post("/sessions/<int:session_id>/void")
@once
def void_session(session_id: int):
    """Admins only: void with a reason; the record stays readable and shows it was voided."""
    if not permissions.can_administer(current_user):
        abort(403)
    session, form = _load(session_id), VoidForm()
    if not form.validate_on_submit():
        abort(400)
    sessions.void_session(session, current_user, form.reason.data)
    return done(
        url_for("audit.session_record", session_id=session_id),
        f"Session #{session.id} voided. Its public record now says so.",
    )
