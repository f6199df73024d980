"""Every API write: acted on once per Idempotency-Key, audited as a token write, committed once.

`@write` sits between the role check and the schema decorators of a POST view. It claims the
caller's key first thing in the transaction, lets the view make its one service call, keeps the
serialised answer with the claim, notes the token's write in the audit chain, and commits it all
together. A retry with the same key and body gets the stored answer, marked
`Idempotent-Replayed: true`; the same key with another body is refused (422). Two retries at
once queue on the unique (user, key): the second finds the first's answer. A refused or invalid
request commits nothing, so its key stays free for a corrected retry.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable

from flask import Response, g, make_response, request
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError

from smp_hygiene.errors import IdempotencyKeyMissing
from smp_hygiene.extensions import db
from smp_hygiene.models import ApiSubmission, TreatmentSession
from smp_hygiene.services import submissions
from smp_hygiene.services.people import api_tokens

_KEY = re.compile(r"[!-~]{1,100}")  # visible ASCII, as a header can carry it unchanged
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": True,
    "description": (
        "A key you choose for this request (e.g. a UUID), up to 100 visible ASCII characters. "
        "Send the same key when you retry: a request already done is answered from the record, "
        "never done twice. Keys are kept for 24 hours."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[!-~]+$"},
}


def keep_if_refused(raw_input: str = "", session: TreatmentSession | None = None) -> None:
    """What the chair's refusal log keeps should the next service call refuse."""
    g.refused_input, g.refused_session = raw_input, session


def write(view: Callable) -> Callable:
    """Make a POST view idempotent, audited and committed once (see the module's docstring)."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        key, fingerprint = _key(), _fingerprint()
        earlier = submissions.find_api_answer(current_user, key, fingerprint)
        if earlier is not None:
            return _replay(earlier)
        try:
            claim = submissions.claim_api_key(current_user, key, fingerprint)
        except IntegrityError:  # a twin holding the same key committed first
            db.session.rollback()
            earlier = submissions.find_api_answer(current_user, key, fingerprint)
            if earlier is None:
                raise
            return _replay(earlier)
        response = make_response(view(*args, **kwargs))
        submissions.keep_api_answer(claim, response.status_code, response.get_data(as_text=True))
        api_tokens.note_write(g.api_token, request.endpoint or "")
        db.session.commit()
        return response

    return Blueprint.doc(parameters=[IDEMPOTENCY_KEY])(guarded)


def _key() -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not _KEY.fullmatch(key):
        raise IdempotencyKeyMissing(
            "Send an Idempotency-Key header with every POST: up to 100 visible ASCII "
            "characters, e.g. a UUID, and the same key again when you retry."
        )
    return key


def _fingerprint() -> str:
    """The request as the key promises it: method, path and body (JSON compared by content)."""
    body = request.get_json(silent=True)
    text = json.dumps(body, sort_keys=True) if body is not None else request.get_data(as_text=True)
    return hashlib.sha256(f"{request.method} {request.path}\n{text}".encode()).hexdigest()


def _replay(earlier: ApiSubmission) -> Response:
    response = Response(earlier.response_body, earlier.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response
