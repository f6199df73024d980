"""Publishing consent form versions: what each version must say, and what carries over."""

from __future__ import annotations

import pytest

from smp_hygiene.errors import InvalidInput, NotAllowed
from smp_hygiene.models import Role
from smp_hygiene.services.consent import consents
from tests import factories as f


def test_list_templates_shows_every_version_newest_first_for_this_clinic_only(ctx):
    first = f.make_consent_template()
    second = f.make_consent_template(first.clinic, title="v2")
    f.make_consent_template(f.make_clinic())

    assert consents.list_templates(first.clinic) == [second, first]


def test_a_form_needs_a_title(ctx):
    with pytest.raises(InvalidInput, match="needs a title"):
        f.make_consent_template(title="  ")


def test_a_form_needs_its_risk_text(ctx):
    with pytest.raises(InvalidInput, match="needs its text"):
        f.make_consent_template(risk_text=" ")


@pytest.mark.parametrize("days", [0, 731])
def test_consent_validity_must_stay_within_two_years(ctx, days):
    with pytest.raises(InvalidInput, match="between 1 and 730 days"):
        f.make_consent_template(valid_days=days)


def test_two_medical_questions_cannot_share_a_key(ctx):
    questions = [{"key": "a", "text": "One?"}, {"key": "a", "text": "Two?"}]

    with pytest.raises(InvalidInput, match="share a key"):
        f.make_consent_template(medical_questions=questions)


def test_a_medical_question_needs_its_wording(ctx):
    with pytest.raises(InvalidInput, match="needs a key and its wording"):
        f.make_consent_template(medical_questions=[{"key": "a", "text": ""}])


def test_a_first_version_starts_from_the_default_wording(ctx):
    clinic = f.make_clinic()

    draft = consents.next_version_defaults(clinic)

    assert draft["risk_text"] == consents.DEFAULT_RISK_TEXT
    assert draft["medical_questions"] == consents.DEFAULT_MEDICAL_QUESTIONS


def test_the_next_version_starts_from_the_current_one_without_repeating_the_notice(ctx):
    admin = f.make_user(Role.ADMIN)
    questions = [{"key": "keloid", "text": "Do you form keloids?", "blocks": True}]
    f.make_consent_template(
        admin.clinic,
        admin,
        title="SMP v1",
        risk_text="Our wording.",
        medical_questions=questions,
        guardian_consent_from_age=16,
        valid_days=90,
    )

    draft = consents.next_version_defaults(admin.clinic)
    published = consents.create_template(admin.clinic, admin, **draft)

    assert (draft["title"], draft["risk_text"], draft["valid_days"]) == (
        "SMP v1",
        "Our wording.",
        90,
    )
    assert published.risk_text.count(consents.DELAYED_REACTION_NOTICE) == 1
    assert (published.medical_questions, published.guardian_consent_from_age) == (questions, 16)


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_non_admin_cannot_publish_a_consent_form(ctx, role):
    user = f.make_user(role)

    with pytest.raises(NotAllowed, match="Only an admin of this clinic can publish"):
        consents.create_template(user.clinic, user, title="SMP consent")


def test_admin_cannot_publish_another_clinics_consent_form(ctx):
    admin, other = f.make_user(Role.ADMIN), f.make_clinic()

    with pytest.raises(NotAllowed, match="Only an admin of this clinic can publish"):
        consents.create_template(other, admin, title="SMP consent")

    assert consents.list_templates(other) == []
