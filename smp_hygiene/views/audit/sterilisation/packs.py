"""Instrument packs: the printable label, its QR code, and taking a damaged pack out of use."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from smp_hygiene.services.barcodes.reader import own_label_text
from smp_hygiene.services.sterilisation import packs
from smp_hygiene.services.verification import qrcodes
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.sterilisation import forms
from smp_hygiene.views.audit.sterilisation.loading import own_pack
from smp_hygiene.views.writes import done, once


@bp.get("/sterilisation/packs/<int:pack_id>/label")
def pack_label(pack_id: int):
    """A printable pack label: steriliser, cycle, date, expiry and the QR scanned at the chair."""
    return render_template("audit/sterilisation/pack_label.html", pack=own_pack(pack_id))


@bp.get("/sterilisation/packs/<int:pack_id>/qr.svg")
def pack_qr(pack_id: int):
    """The pack's SMPH-PACK QR code as SVG."""
    pack = own_pack(pack_id)
    return Response(qrcodes.qr_svg(own_label_text("pack", pack.code)), mimetype="image/svg+xml")


@bp.post("/sterilisation/packs/<int:pack_id>/discard")
@once
def discard_pack(pack_id: int):
    """Take a wet, torn or opened pack out of use."""
    pack, form = own_pack(pack_id), forms.DiscardPackForm()
    target = url_for("audit.cycle", cycle_id=pack.cycle_id)
    if not form.validate_on_submit():
        flash("Say why the pack is discarded (wet, torn, opened...).", "error")
        return redirect(target)
    packs.discard_pack(pack, current_user, form.reason.data, utcnow())
    return done(target, f"Pack {pack.code} discarded.")
