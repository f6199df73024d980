"""Printed cards and labels, as Chromium prints them: the page size the printer is given, and
each card on exactly one page, with a long name, a long treated area and many supplies."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, Role
from smp_hygiene.services.verification import tokens
from tests import factories as f
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
TECH = "printer@example.test"
MM = 72 / 25.4  # PDF points per millimetre
NAME = "Maximilian Alexander Oyelaran-Wójcik"
AREA = "Crown, frontal hairline and the scar camouflage above the left temple"
INGREDIENTS = (
    "Aqua, Glycerin, Hamamelis Virginiana Water, Isopropyl Alcohol, CI 77266 (Carbon Black), "
    "CI 77491 (Iron Oxides), CI 77499, Propylene Glycol, Phenoxyethanol, Ethylhexylglycerin"
)
WARNINGS = "Contains nickel below 1 ppm. Keep out of reach of children. Do not use on broken skin."


@pytest.fixture
def sealed(live_app):
    """A sealed session as a busy SMP clinic would print it: three pigments, three cartridges."""
    with live_app.app_context():
        clinic = f.make_clinic(
            name="Northside Scalp Micropigmentation & Camouflage Studio",
            address="Unit 4, The Old Tannery, 112–118 Harbour Street, Leith, Edinburgh EH6 6LJ",
            phone="+44 131 496 0000",
        )
        f.make_user(Role.TECHNICIAN, email=TECH, clinic=clinic)
        session = f.make_sealed_session(clinic, treated_area=AREA)
        session.client.full_name = NAME
        for shade in ("Warm Grey Dilution 3", "Neutral Dark Brown"):
            ink = f.make_product(ProductKind.PIGMENT, clinic, name=f"SMP Pigment {shade}")
            lot = f.make_lot(ink, ingredients=INGREDIENTS, label_warnings=WARNINGS)
            f.make_use(session, lot)
        for size in ("3RL 0.30 Long Taper", "1RL 0.18 Bugpin Textured"):
            cartridge = f.make_product(ProductKind.NEEDLE_CARTRIDGE, clinic, name=size)
            f.make_use(session, f.make_lot(cartridge, lot_number="NC-2025-11-000417"))
        tokens.issue_verification_token(session)
        lot_id = session.uses[0].lot_id
        db.session.commit()
        return {"session": session.id, "lot": lot_id}


def _printed(page, path: str, name: str) -> PdfReader:
    """The page as Chromium prints it, with the sizes the page's CSS asks the printer for."""
    page.goto(path)
    page.wait_for_selector("[data-print-ready]")
    page.emulate_media(media="print")
    screenshot(page, name)
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))


def _size_mm(pdf: PdfReader) -> tuple[float, float]:
    box = pdf.pages[0].mediabox
    return float(box.width) / MM, float(box.height) / MM


def _words_whole(pdf: PdfReader, *texts: str) -> None:
    """No word of `texts` is split across two lines."""
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in pdf.pages))
    flat = re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text))  # a line may end at a hyphen
    for word in " ".join(texts).split():
        assert word in flat, f"{word!r} broken up in: {flat}"


def test_the_a6_aftercare_card_prints_on_one_a6_page(page, sealed):
    sign_in(page, TECH, f.PASSWORD)

    pdf = _printed(page, f"/chair/sessions/{sealed['session']}/aftercare", "print-a6")

    width, height = _size_mm(pdf)
    assert abs(width - 105) < 1
    assert abs(height - 148) < 1
    assert len(pdf.pages) == 1
    _words_whole(pdf, NAME, AREA)


def test_the_62mm_roll_card_prints_on_one_piece_of_tape(page, sealed):
    sign_in(page, TECH, f.PASSWORD)

    pdf = _printed(
        page, f"/chair/sessions/{sealed['session']}/aftercare?format=roll62", "print-roll62"
    )

    width, height = _size_mm(pdf)
    assert abs(width - 62) < 1
    assert 80 < height < 600  # as long as the card, cut once
    assert len(pdf.pages) == 1
    _words_whole(pdf, NAME, AREA)
    text = " ".join(pdf.pages[0].extract_text().split())
    assert text.index("Aftercare") < text.index("Keep the area dry")  # heading with its list


def test_the_lot_label_prints_on_one_62_by_29mm_label(page, sealed):
    sign_in(page, TECH, f.PASSWORD)

    pdf = _printed(page, f"/chair/lots/{sealed['lot']}/label", "print-lot-label")

    width, height = _size_mm(pdf)
    assert abs(width - 62) < 1
    assert abs(height - 29) < 1
    assert len(pdf.pages) == 1


def test_the_pack_label_prints_on_one_62_by_29_mm_label(page, live_app):
    with live_app.app_context():
        auditor = f.make_user(Role.AUDITOR, email="packs@example.test")
        steriliser = f.make_steriliser(auditor.clinic, name="Melag Vacuklav 40B+ Evolution")
        cycle = f.make_cycle(steriliser)
        cycle.packs[0].contents = "Grip, tube and tip set for rotary machine, size 3RL and 5RL"
        pack_id = cycle.packs[0].id
        db.session.commit()
    sign_in(page, "packs@example.test", f.PASSWORD)
    page.goto(f"/audit/sterilisation/packs/{pack_id}/label")
    page.emulate_media(media="print")
    screenshot(page, "pack-label")
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))

    width, height = _size_mm(pdf)
    assert (round(width), round(height)) == (62, 29)
    assert len(pdf.pages) == 1
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "Melag" in text
    assert "Good until opened, wet or torn" in text or "Use by" in text  # the last line is there
