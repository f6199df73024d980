"""`publish-consent-form`: a new version of the clinic's consent form from a file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, ConsentTemplate, Role
from smp_hygiene.services.consent import consents
from tests import factories as f


@pytest.fixture
def clinic_id(app):
    with app.app_context():
        clinic = f.make_clinic(name="Crown Clinic")
        f.make_user(Role.ADMIN, email="boss@example.test", clinic=clinic)
        db.session.commit()
        return clinic.id


def _publish(app, *args):
    return app.test_cli_runner().invoke(args=["publish-consent-form", *args])


def test_a_text_file_publishes_its_first_line_as_title_and_the_rest_as_wording(
    app, clinic_id, tmp_path
):
    form = tmp_path / "consent.md"
    form.write_text("# Scalp micropigmentation consent\n\nProcedure: dots of pigment.\n")

    result = _publish(app, "--file", str(form))

    assert result.exit_code == 0, result.output
    assert "consent form version 1 (Scalp micropigmentation consent) published" in result.output
    with app.app_context():
        template = consents.find_current_template(clinic_id)
        assert template.risk_text.startswith("Procedure: dots of pigment.")
        assert consents.DELAYED_REACTION_NOTICE in template.risk_text
        assert template.created_by.email == "boss@example.test"
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "consent_template.published")
        )


def test_a_json_file_sets_questions_and_the_guardian_rule(app, clinic_id, tmp_path):
    form = tmp_path / "consent.json"
    questions = [{"key": "keloid", "text": "Do you form keloids?", "blocks": True}]
    data = {"title": "v1", "medical_questions": questions, "guardian_consent_from_age": 16}
    form.write_text(json.dumps(data))

    result = _publish(app, "--file", str(form), "--clinic-id", str(clinic_id))

    assert result.exit_code == 0, result.output
    with app.app_context():
        template = consents.find_current_template(clinic_id)
        assert (template.medical_questions, template.guardian_consent_from_age) == (questions, 16)


def test_what_the_file_leaves_out_carries_over_from_the_current_version(app, clinic_id, tmp_path):
    first = tmp_path / "v1.json"
    first.write_text(json.dumps({"title": "v1", "valid_days": 90}))
    second = tmp_path / "v2.txt"
    second.write_text("v2\nNew wording.")
    _publish(app, "--file", str(first))

    result = _publish(app, "--file", str(second))

    assert result.exit_code == 0, result.output
    with app.app_context():
        template = consents.find_current_template(clinic_id)
        assert (template.version, template.title, template.valid_days) == (2, "v2", 90)


def test_a_form_the_rules_refuse_exits_with_the_reason_and_publishes_nothing(
    app, clinic_id, tmp_path
):
    form = tmp_path / "consent.json"
    form.write_text(json.dumps({"title": "Minors", "guardian_consent_from_age": 12}))

    result = _publish(app, "--file", str(form))

    assert result.exit_code == 1
    assert "A guardian rule must start between 14 and 17 years." in result.output
    with app.app_context():
        assert db.session.scalar(select(ConsentTemplate)) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"title": "x", "colour": "red"}', "unknown field(s) colour"),
        ('{"title": "x", "valid_days": "90"}', "valid_days must be a whole number"),
    ],
)
def test_a_malformed_json_file_is_refused_with_what_is_wrong(
    app, clinic_id, tmp_path, content, message
):
    form = tmp_path / "consent.json"
    form.write_text(content)

    result = _publish(app, "--file", str(form))

    assert result.exit_code == 1
    assert message in result.output


def test_publishing_needs_an_admin_of_the_clinic(app, clinic_id, tmp_path):
    form = tmp_path / "consent.txt"
    form.write_text("Title\nWording.")
    with app.app_context():
        f.make_user(email="tech@example.test")
        db.session.commit()

    result = _publish(app, "--file", str(form), "--user", "tech@example.test")

    assert result.exit_code == 1
    assert "No admin of this clinic to publish as" in result.output


def test_a_missing_file_is_refused(app, clinic_id, tmp_path):
    result = _publish(app, "--file", str(tmp_path / "absent.txt"))

    assert result.exit_code == 2
    assert "does not exist" in result.output
