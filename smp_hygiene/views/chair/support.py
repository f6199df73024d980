"""What every chair POST shares: refusals are rolled back yet recorded; double submits act once."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import TreatmentSession
from smp_hygiene.services import submissions
from smp_hygiene.services.sessions import lifecycle

ALREADY_RECORDED = "Already recorded."


def refuse(error: DomainError, raw_input: str = "", session: TreatmentSession | None = None) -> str:
    """Undo the refused action, then keep the refusal itself for the auditor."""
    db.session.rollback()
    lifecycle.record_refusal(current_user, error, raw_input, session)
    db.session.commit()
    return str(error)


def submit_once(
    action: Callable[[], str],
    success: str = "",
    raw_input: str = "",
    session: TreatmentSession | None = None,
) -> Response | DomainError:
    """Run `action` (one service call, returning where to go next) once per form nonce.

    Returns the redirect, or the DomainError (already recorded as a refusal) for the caller to
    show next to the form it came from.
    """
    nonce = request.form.get("nonce", "")
    earlier = submissions.find_submission(nonce)
    if earlier is not None:
        flash(ALREADY_RECORDED, "info")
        return redirect(earlier.result_url)
    try:
        target = action()
        submissions.claim_submission(nonce, current_user, target)
        db.session.commit()
    except DomainError as error:
        refuse(error, raw_input, session)
        return error
    except IntegrityError:
        db.session.rollback()
        earlier = submissions.find_submission(nonce)
        if earlier is None:  # not a twin of this form: a real conflict, let it surface
            raise
        flash(ALREADY_RECORDED, "info")
        return redirect(earlier.result_url)
    if success:
        flash(success, "success")
    return redirect(target)


def submit_or_back(
    action: Callable[[], str],
    back: str,
    success: str = "",
    session: TreatmentSession | None = None,
) -> Response:
    """submit_once for forms without a page of their own: a refusal goes back to `back`."""
    outcome = submit_once(action, success=success, session=session)
    if isinstance(outcome, DomainError):
        flash(str(outcome), "error")
        return redirect(back)
    return outcome
