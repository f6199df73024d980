"""The admin's forms. They check shape only (a whole number, a known choice); the services
check the rules, so a refusal reads the same whichever layer said no."""

from __future__ import annotations

import re

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf

from smp_hygiene.errors import InvalidInput
from smp_hygiene.models import PatchTestMode, Role
from smp_hygiene.views.forms import BaseForm, WholeNumberField, choices
from smp_hygiene.views.ids import whole_number


class NotValid(InvalidInput):
    """A form whose shape is wrong; it travels with the refusal so its page can show it again."""

    def __init__(self, form: BaseForm, message: str) -> None:
        super().__init__(message)
        self.form = form


def submitted(form: BaseForm, message: str = "") -> BaseForm:
    """The posted form if its shape is right; otherwise a refusal with `message` (default: the
    first field's complaint, in field order)."""
    if not form.validate_on_submit():
        first = next(iter(form.errors.values()), ["This form is not valid."])[0]
        raise NotValid(form, message or first)
    return form


def _text(value) -> str:
    return value or ""


class ClinicSettingsForm(BaseForm):
    """The clinic's rule figures; `clinics.update_settings` checks the bounds."""

    patch_test_wait_hours = WholeNumberField(
        "Patch test: hours to wait after applying it, before it is read and before the session"
    )
    patch_test_valid_days = WholeNumberField(
        "Patch test: days after applying it that a negative result clears the pigment"
    )
    is_patch_test_per_lot = BooleanField(
        "Patch tests clear only the pigment lots tested (otherwise: every lot of the product)"
    )
    healing_gap_days = WholeNumberField("Days between sessions on the same client")
    retention_years = WholeNumberField("Years records are kept")
    patch_test_mode = RadioField(
        "When a pigment has no cleared patch test",
        choices=choices((m.value, m.value) for m in PatchTestMode),
        validate_choice=False,
        validators=[
            AnyOf(
                [m.value for m in PatchTestMode],
                message="Choose whether a missing patch test blocks or warns.",
            )
        ],
    )
    requires_eu_ink_label = BooleanField(
        "Pigments must carry the EU REACH (entry 75) label data to be received"
    )
    timezone = StringField(
        "Time zone of the clinic", filters=[lambda value: _text(value).strip() or "UTC"]
    )

    def values(self) -> dict:
        """Typed values for `clinics.update_settings`."""
        return {
            "patch_test_wait_hours": self.patch_test_wait_hours.data,
            "patch_test_valid_days": self.patch_test_valid_days.data,
            "healing_gap_days": self.healing_gap_days.data,
            "retention_years": self.retention_years.data,
            "patch_test_mode": PatchTestMode(self.patch_test_mode.data),
            "requires_eu_ink_label": self.requires_eu_ink_label.data,
            "is_patch_test_per_lot": self.is_patch_test_per_lot.data,
            "timezone": self.timezone.data,
        }


class ChecklistItemForm(BaseForm):
    """One new item; the service refuses an empty or overlong wording."""

    text = StringField("Wording, as the technician will tick it", filters=[_text])


def _age(value) -> int | None:
    try:
        return whole_number(value, high=120)
    except ValueError:
        return None


_GUARDIAN = "with a guardian's notarised consent (only where the law allows it)"
_MINORS = choices(
    [("", "Adults only")] + [(str(age), f"From {age}, {_GUARDIAN}") for age in (14, 15, 16, 17)]
)


BLOCKS_MARK = "!"


def questions_as_lines(questions: list[dict]) -> str:
    """One question per line; a leading "!" marks a yes that rules treatment out."""
    return "\n".join(f"{BLOCKS_MARK if q.get('blocks') else ''}{q['text']}" for q in questions)


def parse_questions(text: str, previous: list[dict]) -> list[dict]:
    """Lines back into questions; unchanged wording keeps its key, so old answers still match."""
    keys = {q["text"]: q["key"] for q in previous}
    questions = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        blocks = line.startswith(BLOCKS_MARK)
        wording = line.removeprefix(BLOCKS_MARK).strip()
        key = keys.get(wording) or re.sub(r"[^a-z0-9]+", "_", wording.lower()).strip("_")[:40]
        questions.append({"key": key, "text": wording, "blocks": blocks})
    return questions


class ConsentFormForm(BaseForm):
    """The next version of the consent form; questions are typed one per line."""

    title = StringField("Title", filters=[_text])
    risk_text = TextAreaField(
        "What the client reads: procedure, risks, complications, restrictions, aftercare",
        filters=[_text],
    )
    questions = TextAreaField(
        "Medical questions, one per line. Start a line with ! when a yes means no treatment.",
        filters=[_text],
    )
    guardian_consent_from_age = SelectField(
        "Clients under 18", choices=_MINORS, coerce=_age, validate_choice=False
    )
    valid_days = WholeNumberField("Days a signed consent stays valid")

    def values(self, previous: list[dict]) -> dict:
        """Typed values for `consents.create_template`; `previous` questions keep their keys."""
        return {
            "title": self.title.data,
            "risk_text": self.risk_text.data,
            "medical_questions": parse_questions(self.questions.data, previous),
            "guardian_consent_from_age": self.guardian_consent_from_age.data,
            "valid_days": self.valid_days.data,
        }


class NewLoginForm(BaseForm):
    """A colleague's login; the service checks the name, licence and password rules."""

    display_name = StringField("Name, as shown on records", filters=[_text])
    email = EmailField("Email (they sign in with it)", filters=[_text])
    role = SelectField(
        "Role",
        choices=choices((r.value, r.value) for r in Role),
        default=Role.TECHNICIAN.value,
        validate_choice=False,
        validators=[
            AnyOf([r.value for r in Role], message="Choose a role: technician, auditor or admin.")
        ],
    )
    licence_number = StringField(
        "Practitioner licence number (required for technicians)", filters=[_text]
    )
    licence_issuer = StringField(
        "Issued by (council or health authority; required for technicians)", filters=[_text]
    )
    password = PasswordField("First password", filters=[_text])

    def values(self) -> dict:
        """Typed values for `users.add_staff`."""
        return {
            "email": self.email.data,
            "display_name": self.display_name.data,
            "licence_number": self.licence_number.data,
            "licence_issuer": self.licence_issuer.data,
            "role": Role(self.role.data),
            "password": self.password.data,
        }


class CardReplacementForm(BaseForm):
    """Why a session's card is reprinted; kept with the old card."""

    reason = StringField("Why is the card being replaced?", filters=[_text])
