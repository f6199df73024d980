"""A client's photo: an image by its content (not its name), size-limited, re-encoded as a plain
JPEG so that no EXIF, GPS position, comment or hidden payload of the upload is ever kept."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from smp_hygiene.errors import InvalidInput

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 3
MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; more is not a photo of skin
LONGEST_SIDE = 2000  # enough to see a rash; smaller to keep and to send
ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}


class InvalidPhoto(InvalidInput):
    """An upload that is not a photo we can keep: not an image, too big, or broken."""

    label = "Photo refused"


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()


def clean_photo(data: bytes, name: str = "the photo") -> CleanPhoto:
    """Refuse anything but a real image within the limits; keep only its pixels, as JPEG."""
    if not data:
        raise InvalidPhoto(f"{name} is empty: choose the photo again.")
    if len(data) > MAX_PHOTO_BYTES:
        megabytes = MAX_PHOTO_BYTES // (1024 * 1024)
        raise InvalidPhoto(f"{name} is larger than {megabytes} MB: send a smaller photo.")
    image = _open(data, name)
    image = ImageOps.exif_transpose(image)  # keep the orientation the phone meant, then drop EXIF
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    pixels = image.convert("RGB")
    out = io.BytesIO()
    # A fresh image from the pixels alone: nothing of the upload's metadata is carried over.
    Image.frombytes("RGB", pixels.size, pixels.tobytes()).save(out, "JPEG", quality=85)
    return CleanPhoto(out.getvalue(), pixels.width, pixels.height)


def _open(data: bytes, name: str) -> Image.Image:
    refused = InvalidPhoto(f"{name} is not a photo we can read: send a JPEG or PNG picture.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own pixel limit; a warning is a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED:
                raise refused
            if image.width * image.height > MAX_PIXELS:
                raise InvalidPhoto(f"{name} has too many pixels: send a smaller photo.")
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise refused from error  # UnidentifiedImageError (not an image) is an OSError
    except Image.DecompressionBombWarning as error:
        raise InvalidPhoto(f"{name} has too many pixels: send a smaller photo.") from error
    return image


def clean_photos(uploads: list[tuple[str, bytes]]) -> list[CleanPhoto]:
    """Every upload cleaned, named by its file name in a refusal; at most MAX_PHOTOS."""
    if len(uploads) > MAX_PHOTOS:
        raise InvalidPhoto(f"Send at most {MAX_PHOTOS} photos.")
    return [clean_photo(data, f"“{name[:60]}”" if name else "the photo") for name, data in uploads]
