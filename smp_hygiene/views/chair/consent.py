"""The consent form, signed on the screen before the first session (DOMAIN R20, R21)."""

from __future__ import annotations

import base64
import binascii

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from smp_hygiene.models import Client, Consent
from smp_hygiene.services.consent import consents
from smp_hygiene.views.chair import bp
from smp_hygiene.views.chair.support import submit_once
from smp_hygiene.views.loading import own_or_404

_DATA_URL_PREFIX = "data:image/png;base64,"
SCREENING_QUESTIONS = {
    "has_sunburn": "Sunburn on the treatment area?",
    "has_open_lesions": "Open lesions (cuts, sores) on the treatment area?",
    "has_rash_or_infection": "A rash, infection or other skin disorder on the area?",
    "is_intoxicated": "Does the client appear drunk or under the influence?",
}


def load_client(client_id: int) -> Client:
    """A client of the signed-in technician's clinic, or 404 (no peeking across clinics)."""
    return own_or_404(Client, client_id)


def _yes_no(form: MultiDict, name: str) -> bool | None:
    return {"yes": True, "no": False}.get(form.get(name, ""))


def parse_consent_form(form: MultiDict, template) -> consents.ConsentForm:
    """Shape only: yes/no radios (unanswered ones left out), the signature's data URL."""
    screening = {n: _yes_no(form, n) for n in consents.CONTRAINDICATIONS}
    medical = {q["key"]: _yes_no(form, f"q_{q['key']}") for q in template.medical_questions}
    signature = form.get("signature", "")
    try:
        png = base64.b64decode(signature.removeprefix(_DATA_URL_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        png = b""
    return consents.ConsentForm(
        contraindications={k: v for k, v in screening.items() if v is not None},
        medical_answers={k: v for k, v in medical.items() if v is not None},
        id_document_type=form.get("id_document_type", ""),
        id_document_ref=form.get("id_document_ref", ""),
        signature_png=png if signature.startswith(_DATA_URL_PREFIX) else b"",
        explained_verbally=form.get("explained_verbally") == "on",
        given_in_writing=form.get("given_in_writing") == "on",
        guardian={
            k: form.get(f"guardian_{k}", "") for k in ("name", "document_ref", "consent_ref")
        },
    )


def _page(client: Client, values: MultiDict | dict, error=None, status: int = 200):
    template = consents.find_current_template(client.clinic_id)
    return render_template(
        "chair/consent.html",
        client=client,
        template=template,
        current=consents.current_consent(client),
        values=values,
        error=error,
        screening=SCREENING_QUESTIONS,
        id_documents=consents.ID_DOCUMENTS,
    ), status


@bp.get("/clients/<int:client_id>/consent")
def consent(client_id: int):
    """The clinic's current form, the screening questions, proof of age and the signature box."""
    return _page(load_client(client_id), {})


@bp.post("/clients/<int:client_id>/consent")
def sign_consent(client_id: int):
    """Record the signed consent, or show in plain words why treatment cannot go ahead."""
    client = load_client(client_id)
    template = consents.find_current_template(client.clinic_id)
    if template is None:
        abort(409, "The clinic has no consent form yet: an admin must publish one.")
    form = parse_consent_form(request.form, template)

    def action() -> str:
        consents.record_consent(client, form, current_user)
        return url_for("chair.today", q=client.full_name)

    outcome = submit_once(action, success=f"Consent signed by {client.full_name}.")
    if isinstance(outcome, Exception):
        return _page(load_client(client_id), request.form, outcome, outcome.http_status)
    return outcome


@bp.get("/consents/<int:consent_id>/signature.png")
def signature(consent_id: int):
    """The signature as drawn, for the consent record on screen."""
    record = own_or_404(Consent, consent_id)
    return Response(record.signature_png, mimetype="image/png")
