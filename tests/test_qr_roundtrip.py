"""QR codes are decoded back with a real decoder (zxing-cpp), not just generated."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import zxingcpp
from PIL import Image

from smp_hygiene.extensions import db
from smp_hygiene.models import SessionStatus
from smp_hygiene.services.barcodes.reader import own_label_text, parse_barcode
from smp_hygiene.services.verification import qrcodes
from tests.factories import make_lot, make_session


def decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_a_qr_png_decodes_back_to_its_text():
    url = "https://clinic.example/v/0123456789abcdefghijklmn"

    assert decode(qrcodes.qr_png(url)) == [url]


def test_a_lot_label_decodes_to_a_scan_that_finds_the_lot(ctx):
    lot = make_lot()

    [text] = decode(qrcodes.qr_png(own_label_text("lot", lot.label_code)))

    assert parse_barcode(text).own_code == lot.label_code


def test_the_session_qr_endpoint_encodes_the_public_verify_url(app, client):
    with app.app_context():
        make_session(verify_token="tok_" + "A" * 20, status=SessionStatus.COMPLETED)
        db.session.commit()

    png = client.get("/v/tok_AAAAAAAAAAAAAAAAAAAA/qr.png")

    assert png.mimetype == "image/png"
    [text] = decode(png.data)
    assert text.startswith("http://clinic.test/v/tok_AAAAAAAAAAAAAAAAAAAA")


def test_the_svg_qr_is_an_svg_document(app, client):
    with app.app_context():
        make_session(verify_token="tok_" + "B" * 20, status=SessionStatus.COMPLETED)
        db.session.commit()

    svg = client.get("/v/tok_BBBBBBBBBBBBBBBBBBBB/qr.svg")

    root = ElementTree.fromstring(svg.data)
    assert svg.mimetype == "image/svg+xml"
    assert root.tag.endswith("svg")


def test_unknown_token_has_no_qr(client):
    assert client.get("/v/nope/qr.png").status_code == 404
