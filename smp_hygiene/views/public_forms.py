"""Forms on the public card pages: protected against cross-site posting without any cookie.

The staff pages use Flask-WTF's CSRF token, which lives in the session cookie; the patient pages
set no cookie at all. Instead each form carries a *form key*: the card's token (hashed), what the
form is for, a random nonce and the time, signed with the app's SECRET_KEY (itsdangerous). A
post is accepted only with a key that is

- signed by us: another site cannot make one, so it cannot post blind;
- bound to this card and this form: a key from one card or form is useless on another;
- fresh (FORM_KEY_HOURS): an old page cannot be replayed for ever;
- not sent by the browser as cross-site (`Sec-Fetch-Site`; where a browser sends it).

The nonce also makes a form sent twice act once. No account stands behind these pages, so the
card's token, which the client already holds, is the only credential, as it is for reading.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, request
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import HiddenField, MultipleFileField, ValidationError

from smp_hygiene.services.aftercare.photos import MAX_PHOTO_BYTES, MAX_PHOTOS

FORM_KEY_HOURS = 6
STALE = "This form has expired or did not come from this page: open it again from your card."


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="public-card-form")


def _card(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def new_form_key(token: str, purpose: str) -> str:
    """A signed key for one card's form: what it is for and a fresh nonce."""
    return _serializer().dumps([_card(token), purpose, secrets.token_urlsafe(18)])


def nonce_of(key: str, token: str, purpose: str) -> str:
    """The nonce of a valid key for this card and form; ValueError for anything else."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise ValueError(STALE)
    try:
        card, used_for, nonce = _serializer().loads(key, max_age=FORM_KEY_HOURS * 3600)
    except (BadData, TypeError, ValueError):
        raise ValueError(STALE) from None
    if not secrets.compare_digest(str(card), _card(token)) or used_for != purpose:
        raise ValueError(STALE)
    return str(nonce)


class CardForm(FlaskForm):
    """A public form of one card: no Flask-WTF token (it needs the session cookie), a form key.
    Subclasses name their `purpose`; the view passes the card's token."""

    class Meta:
        csrf = False

    purpose = ""
    form_key = HiddenField()

    def __init__(self, token: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.token = token
        self.nonce = ""
        if not self.is_submitted():  # a posted key, even an empty one, is judged as posted
            self.form_key.data = new_form_key(token, self.purpose)

    def validate_form_key(self, field) -> None:
        try:
            self.nonce = nonce_of(field.data or "", self.token, self.purpose)
        except ValueError as error:
            field.data = new_form_key(self.token, self.purpose)  # the page shown again works
            raise ValidationError(str(error)) from None


class PhotosField(MultipleFileField):
    """Optional photos: the chosen files as (name, bytes), read no further than the limit."""

    def uploads(self) -> list[tuple[str, bytes]]:
        files = [f for f in (self.data or []) if getattr(f, "filename", "")]
        return [(f.filename or "", f.read(MAX_PHOTO_BYTES + 1)) for f in files[: MAX_PHOTOS + 1]]
