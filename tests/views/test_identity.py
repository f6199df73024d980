"""The product's name, set once (PRODUCT_NAME), on every page's title and header, on the patient's
page and in PDF footers; the Python package's name is never shown."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from smp_hygiene.extensions import db
from smp_hygiene.models import Role
from smp_hygiene.services.verification import tokens
from tests.apps import app_on
from tests.factories import make_sealed_session


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1)


def test_technician_sees_the_product_name_not_the_package_name(client, login):
    login(Role.TECHNICIAN)

    response = client.get("/chair/")

    page = response.get_data(as_text=True)
    assert _title(response) == "Today · Cleanline"
    assert re.search(r'class="brand"[^>]*>.*?Cleanline</a>', page, re.S)
    assert 'aria-current="true">Chair</a>' in page
    assert "smp_hygiene" not in page
    assert "smp-hygiene" not in page


def test_a_page_without_its_own_title_is_named_after_the_product(client):
    assert _title(client.get("/auth/login")) == "Sign in · Cleanline"


def test_the_product_name_is_set_in_one_place(tmp_path):
    with app_on(
        "sqlite://", tmp_path, TESTING=True, APP_ENV="test", PRODUCT_NAME="Testline"
    ) as app:
        page = app.test_client().get("/auth/login").get_data(as_text=True)

    assert "<title>Sign in · Testline</title>" in page
    assert "Cleanline" not in page


def test_the_patient_record_and_its_pdf_carry_the_product_name(app, client):
    with app.app_context():
        session = make_sealed_session()
        tokens.issue_verification_token(session)
        db.session.commit()
        token = session.verify_token

    page = client.get(f"/v/{token}").get_data(as_text=True)
    pdf = client.get(f"/v/{token}/record.pdf")

    assert "Cleanline</span>" in page
    footer = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Cleanline" in footer
