"""Consent forms: publish the clinic's next version; earlier versions stay with their consents."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError
from smp_hygiene.services.consent import consents
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.admin.forms import ConsentFormForm, questions_as_lines, submitted
from smp_hygiene.views.writes import done, once, refusal_page


def _page(form: ConsentFormForm, status: int = 200):
    return render_template(
        "admin/consent_forms.html",
        form=form,
        versions=consents.list_templates(current_user.clinic),
        notice=consents.DELAYED_REACTION_NOTICE,
    ), status


def _publish_refused(error: DomainError):
    # The wording the admin typed comes back with the reason, not the saved version.
    flash(str(error), "error")
    return _page(getattr(error, "form", None) or ConsentFormForm(), error.http_status)


@bp.get("/consent-forms")
def consent_forms():
    """Every version of the form, and the next one to publish, starting from the current."""
    draft = consents.next_version_defaults(current_user.clinic)
    lines = questions_as_lines(draft["medical_questions"])
    return _page(ConsentFormForm(formdata=None, data={**draft, "questions": lines}))


@bp.post("/consent-forms")
@refusal_page(_publish_refused)
@once
def publish_consent_form():
    """Publish a new version: every consent signed from now on is signed against it."""
    clinic = current_user.clinic
    previous = consents.next_version_defaults(clinic)["medical_questions"]
    form = submitted(ConsentFormForm())
    template = consents.create_template(clinic, current_user, **form.values(previous))
    message = f"Version {template.version} published. Clients sign it at their next visit."
    return done(url_for("admin.consent_forms"), message)
