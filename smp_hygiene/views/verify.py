"""Public pages a patient reaches from the QR code on the aftercare card."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for

from smp_hygiene.services import qrcodes, verification

bp = Blueprint("verify", __name__)


def verify_url(token: str) -> str:
    return url_for("verify.show", token=token, _external=True)


@bp.get("/v/<token>")
def show(token: str):
    """Confirm a record is genuine and show what was used."""
    record = verification.find_session_by_token(token)
    if record is None:
        abort(404)
    return render_template("verify/show.html", record=record)


@bp.get("/v/<token>/qr.png")
def qr_png(token: str):
    """The record's QR code as PNG."""
    if verification.find_session_by_token(token) is None:
        abort(404)
    return Response(qrcodes.qr_png(verify_url(token)), mimetype="image/png")


@bp.get("/v/<token>/qr.svg")
def qr_svg(token: str):
    """The record's QR code as SVG."""
    if verification.find_session_by_token(token) is None:
        abort(404)
    return Response(qrcodes.qr_svg(verify_url(token)), mimetype="image/svg+xml")
