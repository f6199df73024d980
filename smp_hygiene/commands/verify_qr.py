"""`verify-qr`: read a card (text or image), fetch the published lists, and say what holds.

zxing-cpp reads the image; it is a runtime dependency, so this works on a production install.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import click
import zxingcpp
from flask.cli import with_appcontext
from PIL import Image

from smp_hygiene.services.verification import offline_check, signed_codes
from smp_hygiene.timeutil import utcnow

KEYS_PATH = "/.well-known/smp-hygiene-keys.json"
REVOCATIONS_PATH = "/.well-known/smp-hygiene-revocations.json"


def read_code(argument: str) -> str:
    """The text of the code: the argument itself, or the first QR code found in an image file."""
    path = Path(argument)
    if len(argument) > 255 or not path.is_file():
        return argument
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(path)) if r.valid]
    if not found:
        raise click.ClickException(f"No readable QR code in {argument}.")
    return found[0]


def load_json(source: str) -> dict:
    """A JSON document from a file or an http(s) URL."""
    if urlsplit(source).scheme in ("http", "https"):
        with urllib.request.urlopen(source, timeout=10) as response:  # noqa: S310  scheme checked above: http(s) only  # nosec B310
            return json.load(response)
    return json.loads(Path(source).read_text())


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def run(argument: str, keys_from: str | None, revocations_from: str | None):
    """Check the code; keys and revocations default to the site the code links to."""
    text = read_code(argument)
    try:
        base = signed_codes.parse(text).base_url
    except signed_codes.BadCode:
        base = ""
    keys_from = keys_from or (base + KEYS_PATH if base else None)
    if revocations_from is None and keys_from and urlsplit(keys_from).scheme:
        revocations_from = _origin(keys_from) + REVOCATIONS_PATH
    try:
        keys = load_json(keys_from) if keys_from else {}
    except (OSError, ValueError) as error:
        reason = f"could not load the keys from {keys_from}: {error}"
        return offline_check.Verdict(offline_check.Status.COULD_NOT_CHECK, [reason])
    try:
        revocations = load_json(revocations_from) if revocations_from else None
    except (OSError, ValueError):
        revocations = None  # reported as "could not check for revocations", never as valid
    verdict = offline_check.check(text, keys, revocations, utcnow())
    if base and keys_from and urlsplit(keys_from).scheme and _origin(keys_from) != base:
        verdict = offline_check.Verdict(
            offline_check.Status.INVALID, [f"the link points to another site ({base})"]
        )
    return verdict


def describe(verdict: offline_check.Verdict) -> str:
    lines = [f"{verdict.status.value.upper()}: " + "; ".join(verdict.reasons)]
    if verdict.claims is not None and verdict.status is not offline_check.Status.INVALID:
        claims = verdict.claims
        lines.append(
            f"clinic {claims.clinic_id}, treatment of {claims.day.isoformat()}, key "
            f"{claims.key_id}, lot fingerprint {claims.lots}"
        )
    if verdict.revocations_age is not None:
        minutes = int(verdict.revocations_age.total_seconds() // 60)
        lines.append(f"revocation list issued {minutes} minute(s) ago")
    return "\n".join(lines)


@click.command("verify-qr")
@click.argument("code")
@click.option("--keys", "keys_from", help="Keys JSON file or URL; default: the code's own site.")
@click.option("--revocations", "revocations_from", help="Revocation list JSON file or URL.")
@with_appcontext
def verify_qr_command(code: str, keys_from: str | None, revocations_from: str | None) -> None:
    """Check a scanned card (its text, or a PNG/JPEG of it) against published keys; no database."""
    verdict = run(code, keys_from, revocations_from)
    click.echo(describe(verdict))
    raise SystemExit(verdict.exit_code)


COMMANDS = (verify_qr_command,)
