"""Consent forms: publish the clinic's next version; earlier versions stay with their consents."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.services.consent import consents
from smp_hygiene.views.admin.blueprint import bp

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


def parse_form(previous: list[dict]) -> dict:
    """The publish form as typed values; the service checks the rules."""
    guardian = request.form.get("guardian_consent_from_age", "")
    valid_days = request.form.get("valid_days", "").strip()
    if not valid_days.isdigit():
        raise InvalidInput("Days a signed consent stays valid: enter a whole number.")
    return {
        "title": request.form.get("title", ""),
        "risk_text": request.form.get("risk_text", ""),
        "medical_questions": parse_questions(request.form.get("questions", ""), previous),
        "guardian_consent_from_age": int(guardian) if guardian.isdigit() else None,
        "valid_days": int(valid_days),
    }


def _render(form: dict, status: int = 200):
    return render_template(
        "admin/consent_forms.html",
        form=form,
        versions=consents.list_templates(current_user.clinic),
        notice=consents.DELAYED_REACTION_NOTICE,
    ), status


@bp.get("/consent-forms")
def consent_forms():
    """Every version of the form, and the next one to publish, starting from the current."""
    draft = consents.next_version_defaults(current_user.clinic)
    return _render({**draft, "questions": questions_as_lines(draft["medical_questions"])})


@bp.post("/consent-forms")
def publish_consent_form():
    """Publish a new version: every consent signed from now on is signed against it."""
    clinic = current_user.clinic
    previous = consents.next_version_defaults(clinic)["medical_questions"]
    try:
        template = consents.create_template(clinic, current_user, **parse_form(previous))
    except DomainError as error:
        flash(str(error), "error")
        return _render(request.form.to_dict(), error.http_status)
    db.session.commit()
    flash(f"Version {template.version} published. Clients sign it at their next visit.", "success")
    return redirect(url_for("admin.consent_forms"))
