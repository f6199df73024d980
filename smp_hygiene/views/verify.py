"""Public pages a patient reaches from the QR code on the aftercare card; no login, no cookies."""

from __future__ import annotations

import base64
import hashlib

from flask import Blueprint, Response, abort, current_app, g, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface

from smp_hygiene import pdf
from smp_hygiene.extensions import db, limiter
from smp_hygiene.models import PublicRecordRender
from smp_hygiene.services.audit import checkpoints
from smp_hygiene.services.verification import (
    public_records,
    qrcodes,
    signing,
    stored_records,
    tokens,
)
from smp_hygiene.views.clock import use_clinic_zone

bp = Blueprint("verify", __name__)

SECURITY_HEADERS = {
    # Everything is served from this site: no CDN, no fonts, no analytics, no inline script.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never pass it on
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
# The offline check reads the card with the camera: the vendored decoder compiles WebAssembly.
OFFLINE_CSP = SECURITY_HEADERS["Content-Security-Policy"] + "; script-src 'self' 'wasm-unsafe-eval'"


class _NoCookieOnVerify(SecureCookieSessionInterface):
    """The public pages never set a cookie, not even to refresh a signed-in admin's session."""

    def open_session(self, app, request):
        # No cookie, nothing to check: skip making a signing serializer. Every anonymous
        # request gains, the patient page (the busiest) above all.
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if request.blueprint == bp.name or request.path.startswith("/v/"):
            return None
        return super().save_session(app, session, response)


@bp.record_once
def _install(state) -> None:
    state.app.session_interface = _NoCookieOnVerify()


# What each page of a record is kept as (stored_records.find_stored).
KEPT_PARTS = {
    "verify.show": (PublicRecordRender.html,),
    "verify.record_pdf": (PublicRecordRender.record_pdf, PublicRecordRender.pdf_name),
    "verify.qr_png": (PublicRecordRender.qr_png,),
    "verify.qr_svg": (PublicRecordRender.qr_svg,),
}


@limiter.request_filter
def _a_genuine_card() -> bool:
    """A sealed record's own pages are not charged to the address's limit; every miss is (an
    unknown, replaced or unfinished token, any form post). Guessing stays limited as before, while
    a waiting room behind one address can all scan their cards, and the busiest page costs no
    rate-limit round trip: as sign-in charges failures, not visits (views/auth.py). A request
    filter, not `exempt_when`: the limiter then skips all its work for such a request."""
    parts = KEPT_PARTS.get(request.endpoint or "")
    token = (request.view_args or {}).get("token")
    if parts is None or not token or request.method not in ("GET", "HEAD"):
        return False
    g.kept = _kept(token, *parts)  # the view serves from this lookup: one query in all
    return g.kept.session_id is not None


limiter.shared_limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify")(bp)


@bp.after_request
def _harden(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    if request.endpoint == "verify.offline":
        response.headers["Content-Security-Policy"] = OFFLINE_CSP
    return response


def verify_url(token: str) -> str:
    """The public address a card's QR code points to: PUBLIC_BASE_URL when set, else this host."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    path = url_for("verify.show", token=token)
    return base + path if base else url_for("verify.show", token=token, _external=True)


def unknown_record() -> Response:
    """The one answer for every code we do not know, whatever its shape: a page a patient can act
    on, identical bytes each time, so it tells nothing about how near a guess came."""
    page = render_template("verify/unknown.html")
    return Response(page, status=404, headers=SECURITY_HEADERS)


def _load(token: str):
    """The session and its current card; a replaced card answers 410, anything else 404."""
    session = tokens.find_session_by_token(token)
    if session is not None:
        use_clinic_zone(session.clinic.timezone)
        return session
    if tokens.find_replaced_card(token) is not None:
        abort(Response(render_template("verify/replaced.html"), status=410))
    abort(unknown_record())


def _qr_text(token: str) -> str:
    session = _load(token)
    card = tokens.current_card(session)
    return tokens.qr_text(card, verify_url(token)) if card else verify_url(token)


# Every template the kept page and PDF are made from: a change to any of them makes them again.
KEPT_TEMPLATES = (
    "verify/_layout.html",
    "verify/show.html",
    "verify/_record.html",
    "verify/record_pdf.html",
)


def _templates_version() -> str:
    version = current_app.extensions.get("verify_templates_version")
    if version is None:
        digest = hashlib.sha256()
        for name in KEPT_TEMPLATES:
            source, _, _ = current_app.jinja_env.loader.get_source(current_app.jinja_env, name)  # type: ignore[union-attr]
            digest.update(source.encode())
        version = current_app.extensions["verify_templates_version"] = digest.hexdigest()[:16]
    return version


def _kept(token: str, *parts) -> stored_records.Stored:
    return stored_records.find_stored(token, verify_url(token), _templates_version(), *parts)


def _kept_for_page(token: str) -> stored_records.Stored:
    """The lookup the rate limit already made for this request, or a new one."""
    kept = g.pop("kept", None)
    return kept if kept is not None else _kept(token, *KEPT_PARTS[request.endpoint or ""])


def _keep(token: str, stored: stored_records.Stored, pages: bool, **parts) -> None:
    url, version = verify_url(token), _templates_version()
    stored_records.keep(stored, url, version, pages=pages, **parts)
    db.session.commit()


@bp.get("/v/<token>")
def show(token: str):
    """Say first whether the record is genuine, then what was put into the skin."""
    stored = _kept_for_page(token)
    if stored.page is not None:
        return stored.page
    record = public_records.public_record(_load(token))
    page = render_template("verify/show.html", record=record, token=token)
    _keep(token, stored, pages=True, html=page)
    return page


def _pdf(name: str, data: bytes) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, mimetype="application/pdf", headers=headers)


@bp.get("/v/<token>/record.pdf")
def record_pdf(token: str):
    """The same record as a PDF to keep or forward."""
    stored = _kept_for_page(token)
    if stored.page is not None:
        return _pdf(stored.values[1], stored.page)
    record = public_records.public_record(_load(token))
    qr = base64.b64encode(qrcodes.qr_png(_qr_text(token))).decode()
    data = pdf.render_pdf("verify/record_pdf.html", record=record, qr_png=qr)
    name = f"treatment-record-{record.day.isoformat()}.pdf"
    _keep(token, stored, pages=True, record_pdf=data, pdf_name=name)
    return _pdf(name, data)


def _qr(token: str, part, make) -> bytes:
    """The card's QR code as first drawn; a QR code shows only the card, never live notices."""
    stored = _kept_for_page(token)
    if stored.value is not None:
        return stored.value
    image = make(_qr_text(token))
    _keep(token, stored, pages=False, **{part.key: image})
    return image


@bp.get("/v/<token>/qr.png")
def qr_png(token: str):
    """The card's signed QR code as PNG."""
    return Response(_qr(token, PublicRecordRender.qr_png, qrcodes.qr_png), mimetype="image/png")


@bp.get("/v/<token>/qr.svg")
def qr_svg(token: str):
    """The card's signed QR code as SVG, for printing."""
    svg = _qr(token, PublicRecordRender.qr_svg, qrcodes.qr_svg)
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/.well-known/smp-hygiene-keys.json")
def keys():
    """Every clinic's public signing keys with their validity, so keys can rotate."""
    return signing.keys_document()


@bp.get("/.well-known/smp-hygiene-checkpoints.json")
def checkpoints_document():
    """Each clinic's newest signed audit checkpoint, so every saved copy pins the chain."""
    return checkpoints.checkpoints_document()


@bp.get("/.well-known/smp-hygiene-revocations.json")
def revocations():
    """Voided records, replaced cards and recalls, dated and signed by each clinic."""
    return tokens.revocations_document()


@bp.get("/verify/offline")
def offline():
    """Check a code in the browser; after this page loads, no network is needed."""
    return render_template("verify/offline.html")
