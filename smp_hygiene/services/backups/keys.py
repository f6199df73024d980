"""The private signing keys, sealed with a passphrase so a stolen backup cannot forge cards.

scrypt stretches the passphrase (memory-hard, so guessing is slow on GPUs) into an AES-256-GCM
key; GCM authenticates as it decrypts, so a wrong passphrase or a changed file is refused rather
than yielding garbage keys. Fernet would need the same KDF in front and adds nothing here.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import select

from smp_hygiene.errors import BackupRefused, SigningKeyMissing
from smp_hygiene.extensions import db
from smp_hygiene.models import SigningKey
from smp_hygiene.services.verification import signing

# The name of the variable, not a passphrase.
PASSPHRASE_ENV = "SMP_BACKUP_PASSPHRASE"  # noqa: S105  # nosec B105
SCRYPT = {"n": 2**15, "r": 8, "p": 1}


def passphrase_from_env() -> str:
    """The passphrase comes from the environment only, never from an argument or a file."""
    passphrase = os.environ.get(PASSPHRASE_ENV, "")
    if len(passphrase) < 12:
        raise BackupRefused(f"Set {PASSPHRASE_ENV} to a passphrase of at least 12 characters.")
    return passphrase


def _aead(passphrase: str, salt: bytes) -> AESGCM:
    kdf = Scrypt(salt=salt, length=32, **SCRYPT)
    return AESGCM(kdf.derive(passphrase.encode()))


def collect_keys() -> tuple[dict[str, str], list[str]]:
    """Every private key found (PEM by key id), and the ids whose private half is missing."""
    found, missing = {}, []
    for key in db.session.scalars(select(SigningKey).order_by(SigningKey.id)):
        try:
            private = signing.private_key_for(key)
        except SigningKeyMissing:
            missing.append(key.key_id)
            continue
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        found[key.key_id] = pem.decode()
    return found, missing


def seal_keys(keys: dict[str, str], passphrase: str) -> bytes:
    """Encrypt the keys into one authenticated JSON document."""
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = _aead(passphrase, salt).encrypt(nonce, json.dumps(keys).encode(), b"smp-keys")
    b64 = base64.b64encode
    document = {"kdf": "scrypt", **SCRYPT, "cipher": "AES-256-GCM", "salt": b64(salt).decode()}
    document |= {"nonce": b64(nonce).decode(), "ciphertext": b64(sealed).decode()}
    return json.dumps(document, indent=1).encode()


def open_keys(blob: bytes, passphrase: str) -> dict[str, str]:
    """Decrypt sealed keys; a wrong passphrase or a changed file is refused, not half-read."""
    document = json.loads(blob)
    salt, nonce, sealed = (
        base64.b64decode(document[name]) for name in ("salt", "nonce", "ciphertext")
    )
    try:
        plain = _aead(passphrase, salt).decrypt(nonce, sealed, b"smp-keys")
    except InvalidTag:
        raise BackupRefused(
            "The backup passphrase is wrong (or keys.enc was changed): nothing was restored."
        ) from None
    return json.loads(plain)


def install_keys(keys: dict[str, str], folder: Path) -> list[str]:
    """Write each key not already there as <key_id>.pem, mode 0600; return the ids written."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = []
    for key_id, pem in keys.items():
        path = folder / f"{key_id}.pem"
        if path.exists():
            if path.read_text() != pem:
                raise BackupRefused(f"{path} holds a different key: move it away first.")
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(pem)
        written.append(key_id)
    return written
