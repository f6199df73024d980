"""The base of every POST form: CSRF from Flask-WTF, and a nonce so a double submit acts once."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.fields.choices import SelectChoice

from smp_hygiene.views.ids import MAX_ID, record_id, whole_number


def new_nonce() -> str:
    """A fresh random key per rendered form: the double-submit guard acts on it once."""
    return secrets.token_urlsafe(24)


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them."""
    return [SelectChoice(value, label) for value, label in pairs]


class BaseForm(FlaskForm):
    """Every form that writes: its nonce is claimed in the same transaction as the change."""

    nonce = HiddenField(default=new_nonce)

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        """A text field left out of the post reads as empty, so a rule can refuse it by name
        rather than the service tripping over None."""
        super().process(formdata, obj, data, extra_filters, **kwargs)
        for field in self:
            if isinstance(field, StringField) and field.data is None:
                field.data = ""


class ButtonForm(BaseForm):
    """A POST with nothing to fill in (release, close, replace): CSRF and nonce only."""


class WholeNumberField(IntegerField):
    """ASCII digits within low..high; anything else (blank, "five", "-1", "²") is refused naming
    the field."""

    def __init__(self, label=None, validators=None, low: int = 0, high: int = MAX_ID, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.low, self.high = low, high

    def process_formdata(self, valuelist):
        if not valuelist and self.data is not None:
            return  # not posted: the field's default stands
        try:
            self.data = whole_number(valuelist[0] if valuelist else "", self.low, self.high)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text}: enter a whole number{self._range()}.") from None

    def _range(self) -> str:
        return "" if (self.low, self.high) == (0, MAX_ID) else f" from {self.low} to {self.high}"


class OptionalWholeNumberField(WholeNumberField):
    """A WholeNumberField that may be left empty, which reads as None (e.g. "no alert")."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata(valuelist)

    def _range(self) -> str:
        return super()._range() + ", or leave it empty"


class IdField(IntegerField):
    """The id of a record picked on the page; a number no record could have is refused."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = record_id(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text}: not a record of this clinic.") from None


class NonceForm(FlaskForm):
    """Only the nonce a posted form carries, read before the view builds its own form. No default:
    a form without a nonce is simply not guarded, rather than claiming a made-up one."""

    class Meta:
        csrf = False  # CSRFProtect has already checked the token for the whole request

    nonce = HiddenField()
