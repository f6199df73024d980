"""The one way a view handles a write that a rule may refuse, and a form sent twice.

A view reads top to bottom: load, validate, one service call, then `done(...)`, which commits and
redirects. A `DomainError` raised on the way is translated once per blueprint by the handler that
`handle_refusals` installs: roll back, then flash and go back (JSON for the chair's scripts).
A view whose refusal needs a page of its own names it with `@refusal_page`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from smp_hygiene import logs, metrics
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.services import submissions
from smp_hygiene.views.forms import NonceForm

ALREADY_RECORDED = "Already recorded."
RefusalPage = Callable[[DomainError], Response | tuple[str, int]]


def wants_json() -> bool:
    """The chair's scripts ask for JSON; a plain form post gets a page."""
    return request.accept_mimetypes.best == "application/json"


def back(default_endpoint: str, **values) -> str:
    """The page the form came from, if it is one of ours; otherwise the blueprint's home."""
    referrer = urlsplit(request.referrer or "")
    if referrer.path and referrer.netloc in ("", request.host):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for(default_endpoint, **values)


def refusal_page(render: RefusalPage) -> Callable:
    """Mark a view whose refusal is shown on a page of its own instead of flashed."""

    def mark(view: Callable) -> Callable:
        view.refusal_page = render  # type: ignore[attr-defined]
        return view

    return mark


def refusal_response(error: DomainError, home: str) -> Response | tuple:
    """What the user sees of a refusal: the view's own page, JSON, or a flash and back."""
    view = current_app.view_functions.get(request.endpoint or "")
    render = getattr(view, "refusal_page", None)
    if render is not None:
        return render(error)
    if wants_json():
        body = {
            "ok": False,
            "error": type(error).__name__,
            "message": str(error),
            "acknowledge": getattr(error, "code", None),
        }
        return jsonify(body), error.http_status
    flash(str(error), "error")
    return redirect(back(home))


def handle_refusals(
    bp: Blueprint, home: str, record: Callable[[DomainError], None] | None = None
) -> None:
    """Install the blueprint's one DomainError handler. `record`, if given, keeps the refusal
    itself in a second, explicit transaction (the chair's refusal log)."""

    @bp.errorhandler(DomainError)
    def refused(error: DomainError):
        db.session.rollback()
        logs.log_refusal(error)
        metrics.count_refusal(error)
        if record is not None:
            record(error)
            db.session.commit()
        return refusal_response(error, home)


def once(view: Callable) -> Callable:
    """Act on a form's nonce once: a repeat (double tap, second tab) goes where the first went."""

    @functools.wraps(view)
    def guarded(**kwargs):
        g.nonce = NonceForm().nonce.data or ""
        earlier = submissions.find_submission(g.nonce)
        if earlier is not None:
            return _already(earlier.result_url)
        try:
            return view(**kwargs)
        except IntegrityError:
            db.session.rollback()
            earlier = submissions.find_submission(g.nonce)
            if earlier is None:  # not a twin of this form: a real conflict, let it surface
                raise
            return _already(earlier.result_url)

    return guarded


def _already(target: str) -> Response:
    flash(ALREADY_RECORDED, "info")
    return redirect(target)


def committed(target: str) -> None:
    """Commit the request's one change, claiming the form's nonce with it; a repeat of the form
    goes to `target`. For a page that must show what was made right away (a secret shown once),
    where `done` would redirect."""
    if g.get("nonce"):
        submissions.claim_submission(g.nonce, current_user, target)
    db.session.commit()


def done(target: str, message: str = "", category: str = "success") -> Response:
    """Commit the request's one change (claiming the form's nonce with it), say so, go on."""
    committed(target)
    if message:
        flash(message, category)
    return redirect(target)
