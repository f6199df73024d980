"""QR images for session records and lot labels."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _build(data: str) -> qrcode.QRCode:
    # Level M survives a scuffed aftercare card and keeps the symbol small enough for phones.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str) -> bytes:
    """A PNG of `data`, sized for a phone camera at arm's length."""
    buffer = io.BytesIO()
    _build(data).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> bytes:
    """An SVG of `data`, crisp on any printer."""
    buffer = io.BytesIO()
    _build(data).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()


def qr_version(data: str) -> int:
    """The symbol version `data` needs: 1 is 21×21 modules, each step adds 4."""
    return _build(data).version
