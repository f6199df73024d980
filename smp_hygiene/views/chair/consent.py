"""The consent form, signed on the screen before the first session (DOMAIN R20, R21)."""

from __future__ import annotations

import base64
import binascii

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, RadioField, StringField

from smp_hygiene.errors import DomainError
from smp_hygiene.models import Client, Consent, ConsentTemplate
from smp_hygiene.services.consent import consents
from smp_hygiene.views.chair.blueprint import bp
from smp_hygiene.views.forms import BaseForm, choices
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once, refusal_page

_DATA_URL_PREFIX = "data:image/png;base64,"
SCREENING_QUESTIONS = {
    "has_sunburn": "Sunburn on the treatment area?",
    "has_open_lesions": "Open lesions (cuts, sores) on the treatment area?",
    "has_rash_or_infection": "A rash, infection or other skin disorder on the area?",
    "is_intoxicated": "Does the client appear drunk or under the influence?",
}
_GUARDIAN = ("name", "document_ref", "consent_ref")
_YES_NO = [("yes", "Yes"), ("no", "No")]


class ConsentForm(BaseForm):
    """The fixed part of the form; `consent_form_for` adds one yes/no per question asked."""

    id_document_type = StringField()
    id_document_ref = StringField()
    guardian_name = StringField()
    guardian_document_ref = StringField()
    guardian_consent_ref = StringField()
    explained_verbally = BooleanField()
    given_in_writing = BooleanField()
    declines_follow_ups = BooleanField()
    signature = StringField()


def consent_form_for(template: ConsentTemplate) -> ConsentForm:
    """The form for this clinic's current template: its medical questions vary by version."""

    class Questions(ConsentForm):
        pass

    # Unanswered radios stay None and are left out: the service names what is missing.
    names = [*consents.CONTRAINDICATIONS, *(f"q_{q['key']}" for q in template.medical_questions)]
    for name in names:
        setattr(Questions, name, RadioField(choices=choices(_YES_NO), validate_choice=False))
    return Questions()


def _yes_no(form: ConsentForm, name: str) -> bool | None:
    return {"yes": True, "no": False}.get(form[name].data or "")


def _signature_png(data_url: str) -> bytes:
    """The drawn signature, or nothing when the field is not a PNG data URL."""
    if not data_url.startswith(_DATA_URL_PREFIX):
        return b""
    try:
        return base64.b64decode(data_url.removeprefix(_DATA_URL_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return b""


def parse_consent_form(form: ConsentForm, template: ConsentTemplate) -> consents.ConsentForm:
    """Shape only: yes/no radios (unanswered ones left out), the signature's data URL."""
    screening = {n: _yes_no(form, n) for n in consents.CONTRAINDICATIONS}
    medical = {q["key"]: _yes_no(form, f"q_{q['key']}") for q in template.medical_questions}
    guardian = {k: form[f"guardian_{k}"].data or "" for k in _GUARDIAN}
    return consents.ConsentForm(
        contraindications={k: v for k, v in screening.items() if v is not None},
        medical_answers={k: v for k, v in medical.items() if v is not None},
        id_document_type=form.id_document_type.data or "",
        id_document_ref=form.id_document_ref.data or "",
        signature_png=_signature_png(form.signature.data or ""),
        explained_verbally=form.explained_verbally.data,
        given_in_writing=form.given_in_writing.data,
        declines_follow_ups=form.declines_follow_ups.data,
        guardian=guardian,
    )


def _page(client: Client, values: dict, error: DomainError | None = None, status: int = 200):
    return render_template(
        "chair/consent.html",
        client=client,
        template=consents.find_current_template(client.clinic_id),
        current=consents.current_consent(client),
        values=values,
        error=error,
        screening=SCREENING_QUESTIONS,
        id_documents=consents.ID_DOCUMENTS,
    ), status


def _refused(error: DomainError):
    """The form again, as filled in, with the reason treatment cannot go ahead."""
    client = own_or_404(Client, request.view_args["client_id"])
    form = consent_form_for(consents.find_current_template(client.clinic_id))
    values = {k: v for k, v in form.data.items() if v is not None}
    return _page(client, values, error, error.http_status)


@bp.get("/clients/<int:client_id>/consent")
def consent(client_id: int):
    """The clinic's current form, the screening questions, proof of age and the signature box."""
    return _page(own_or_404(Client, client_id), {})


@bp.post("/clients/<int:client_id>/consent")
@refusal_page(_refused)
@once
def sign_consent(client_id: int):
    """Record the signed consent, or show in plain words why treatment cannot go ahead."""
    client = own_or_404(Client, client_id)
    template = consents.find_current_template(client.clinic_id)
    if template is None:
        abort(409, "The clinic has no consent form yet: an admin must publish one.")
    form = consent_form_for(template)
    consents.record_consent(client, parse_consent_form(form, template), current_user)
    target = url_for("chair.today", q=client.full_name)
    return done(target, f"Consent signed by {client.full_name}.")


@bp.get("/consents/<int:consent_id>/signature.png")
def signature(consent_id: int):
    """The signature as drawn, for the consent record on screen."""
    record = own_or_404(Consent, consent_id)
    return Response(record.signature_png, mimetype="image/png")
