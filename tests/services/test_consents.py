"""Consent rules: screening, age, paperwork, and what counts as current (DOMAIN R20, R21, R25)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smp_hygiene.errors import ConsentRefused, ConsentRequired, InvalidInput
from smp_hygiene.models import AuditEntry, Consent
from smp_hygiene.services.consent import consents
from smp_hygiene.timeutil import utcnow
from tests import factories as f


def _years_ago(years: int, days: int = 0) -> date:
    today = utcnow().date()
    return today.replace(year=today.year - years) - timedelta(days=days)


def test_every_form_version_says_a_negative_patch_test_does_not_exclude_delayed_reactions(ctx):
    template = f.make_consent_template(risk_text="Our own wording.")

    assert consents.DELAYED_REACTION_NOTICE in template.risk_text
    assert "delayed reactions" in template.risk_text


def test_a_new_form_wording_gets_the_next_version(ctx):
    first = f.make_consent_template()

    second = f.make_consent_template(first.clinic, title="v2")

    assert (first.version, second.version) == (1, 2)
    assert consents.find_current_template(first.clinic_id) is second


def test_technician_can_record_a_consent_with_its_signature_and_audit_entry(ctx):
    client, tech = f.make_client(), f.make_user()
    f.make_consent_template(client.clinic)

    consent = consents.record_consent(client, f.make_consent_form(), tech)

    assert consent.signature_png == f.SIGNATURE_PNG
    assert consent.age_verified_by_id == tech.id
    entry = AuditEntry.query.filter_by(action="consent.signed").one()
    assert consent.signature_sha256 in entry.after
    assert "signature_png" not in entry.after


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("has_sunburn", "No treatment today: sunburn on the treatment area."),
        ("has_open_lesions", "No treatment today: open lesions on the treatment area."),
        ("has_rash_or_infection", "No treatment today: a rash or infection on the treatment area."),
        ("is_intoxicated", "No treatment today: the client appears intoxicated."),
    ],
)
def test_technician_cannot_record_consent_with_a_contraindication(ctx, answer, message):
    client = f.make_client()
    f.make_consent_template(client.clinic)
    form = f.make_consent_form()
    form.contraindications[answer] = True

    with pytest.raises(ConsentRefused, match=f"^{message}$"):
        consents.record_consent(client, form, f.make_user())
    assert Consent.query.count() == 0


def test_a_yes_to_a_blocking_medical_question_refuses_consent(ctx):
    client = f.make_client()
    f.make_consent_template(client.clinic)
    form = f.make_consent_form()
    form.medical_answers["pregnant"] = True

    with pytest.raises(ConsentRefused, match="are you pregnant or nursing"):
        consents.record_consent(client, form, f.make_user())


def test_a_yes_to_an_informative_medical_question_is_recorded(ctx):
    client = f.make_client()
    f.make_consent_template(client.clinic)
    form = f.make_consent_form()
    form.medical_answers["diabetes"] = True

    consent = consents.record_consent(client, form, f.make_user())

    assert consent.medical_answers["diabetes"] is True


def test_every_medical_question_needs_an_answer(ctx):
    client = f.make_client()
    f.make_consent_template(client.clinic)
    form = f.make_consent_form()
    del form.medical_answers["bleeding"]

    with pytest.raises(InvalidInput, match="Answer every screening question: A bleeding"):
        consents.record_consent(client, form, f.make_user())


def test_a_minor_is_refused_when_the_clinic_has_no_guardian_rule(ctx):
    client = f.make_client(date_of_birth=_years_ago(17))
    f.make_consent_template(client.clinic)

    with pytest.raises(
        ConsentRefused, match="^The client is 17: this clinic treats no one under 18."
    ):
        consents.record_consent(client, f.make_consent_form(), f.make_user())


def test_a_client_turning_18_tomorrow_is_still_a_minor(ctx):
    client = f.make_client(date_of_birth=_years_ago(18) + timedelta(days=1))
    f.make_consent_template(client.clinic)

    with pytest.raises(ConsentRefused, match="The client is 17"):
        consents.record_consent(client, f.make_consent_form(), f.make_user())


def test_a_16_year_old_needs_the_guardian_paperwork_where_the_clinic_allows_it(ctx):
    client = f.make_client(date_of_birth=_years_ago(16))
    f.make_consent_template(client.clinic, guardian_consent_from_age=16)

    with pytest.raises(ConsentRefused, match="guardian's name, ID and notarised consent"):
        consents.record_consent(client, f.make_consent_form(), f.make_user())


def test_a_16_year_old_with_a_guardian_can_consent_where_the_clinic_allows_it(ctx):
    client = f.make_client(date_of_birth=_years_ago(16))
    f.make_consent_template(client.clinic, guardian_consent_from_age=16)
    guardian = {"name": "Pat Parent", "document_ref": "ID 99", "consent_ref": "Notary 2026/14"}

    consent = consents.record_consent(client, f.make_consent_form(guardian=guardian), f.make_user())

    assert (consent.age_at_signing, consent.guardian_name) == (16, "Pat Parent")


def test_a_15_year_old_is_refused_even_with_a_guardian(ctx):
    client = f.make_client(date_of_birth=_years_ago(15))
    f.make_consent_template(client.clinic, guardian_consent_from_age=16)
    guardian = {"name": "Pat Parent", "document_ref": "ID 99", "consent_ref": "Notary 2026/14"}

    with pytest.raises(ConsentRefused, match="treats no one under 16"):
        consents.record_consent(client, f.make_consent_form(guardian=guardian), f.make_user())


def test_consent_needs_the_photo_id_checked(ctx):
    client = f.make_client()
    f.make_consent_template(client.clinic)

    with pytest.raises(InvalidInput, match="Record the photo ID you checked"):
        consents.record_consent(client, f.make_consent_form(id_document_ref=" "), f.make_user())


def test_consent_needs_the_form_explained_and_handed_over(ctx):
    client = f.make_client()
    f.make_consent_template(client.clinic)

    with pytest.raises(InvalidInput, match="Explain the form aloud"):
        consents.record_consent(client, f.make_consent_form(given_in_writing=False), f.make_user())


@pytest.mark.parametrize("png", [b"", b"not a png at all", None])
def test_consent_cannot_be_recorded_without_a_drawn_signature(ctx, png):
    client = f.make_client()
    f.make_consent_template(client.clinic)
    if png is None:  # a blank canvas: a valid PNG with no ink
        import io

        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(buffer, "PNG")
        png = buffer.getvalue()

    with pytest.raises(InvalidInput, match="signature is missing"):
        consents.record_consent(client, f.make_consent_form(signature_png=png), f.make_user())


def test_no_consent_can_be_recorded_before_the_clinic_publishes_a_form(ctx):
    client = f.make_client()

    with pytest.raises(ConsentRequired, match="no consent form yet"):
        consents.record_consent(client, f.make_consent_form(), f.make_user())


def test_a_client_without_consent_cannot_start_a_session(ctx):
    client = f.make_client(full_name="Sam Stone")
    f.make_consent_template(client.clinic)

    with pytest.raises(ConsentRequired, match="^Sam Stone has no current signed consent"):
        consents.require_current_consent(client)


def test_a_signed_consent_is_current(ctx):
    client = f.make_client()

    consent = f.make_consent(client)

    assert consents.require_current_consent(client) is consent


def test_a_consent_on_an_older_form_version_is_not_current(ctx):
    client = f.make_client()
    f.make_consent(client)

    f.make_consent_template(client.clinic, title="v2")

    assert consents.current_consent(client) is None


def test_a_consent_older_than_the_form_validity_is_not_current(ctx):
    client = f.make_client()
    consent = f.make_consent(client)

    consent.signed_at = utcnow() - timedelta(days=366)

    assert consents.current_consent(client) is None
