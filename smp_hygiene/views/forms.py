"""The base of every POST form: CSRF from Flask-WTF, and a nonce so a double submit acts once."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice


def new_nonce() -> str:
    """A fresh random key per rendered form: the double-submit guard acts on it once."""
    return secrets.token_urlsafe(24)


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them."""
    return [SelectChoice(value, label) for value, label in pairs]


class BaseForm(FlaskForm):
    """Every form that writes: its nonce is claimed in the same transaction as the change."""

    nonce = HiddenField(default=new_nonce)


class ButtonForm(BaseForm):
    """A POST with nothing to fill in (release, close, replace): CSRF and nonce only."""
