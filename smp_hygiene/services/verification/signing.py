"""Each clinic's Ed25519 signing key: public half in the database, private half outside it.

The private half lives in `SMP_SIGNING_KEY_<KEY_ID>` (base64 of the 32-byte raw key) when that
is set, otherwise in `<SIGNING_KEY_DIR or instance/keys>/<key_id>.pem`, mode 0600. Neither is in
the repository or in a database dump, so a leaked dump cannot forge cards.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy import select

from smp_hygiene.errors import SigningKeyMissing
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, SigningKey, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.verification import signed_codes
from smp_hygiene.timeutil import utcnow


def key_dir() -> Path:
    configured = current_app.config.get("SIGNING_KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "keys"


def env_name(key_id: str) -> str:
    return f"SMP_SIGNING_KEY_{key_id.upper()}"


# Private halves already read, by key id, with where each came from: every completion signs a
# card, and reading and parsing the PEM each time cost more than the rest of the signing.
_LOADED: dict[str, tuple[tuple, Ed25519PrivateKey]] = {}


def _source(key: SigningKey) -> tuple:
    """Where the private half is now: a changed, removed or replaced file or env var is read
    again."""
    raw = os.environ.get(env_name(key.key_id))
    if raw:
        return ("env", raw, key.public_key)
    path = key_dir() / f"{key.key_id}.pem"
    try:
        stat = path.stat()
    except FileNotFoundError:
        return ("missing", str(path))
    return ("file", str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino, key.public_key)


def private_key_for(key: SigningKey) -> Ed25519PrivateKey:
    """Load the private half from its env var or file; refuse if it does not match the public."""
    source = _source(key)
    cached = _LOADED.get(key.key_id)
    if cached is not None and cached[0] == source:
        return cached[1]
    if source[0] == "env":
        private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(source[1]))
    elif source[0] == "file":
        private = _ed25519(
            key, serialization.load_pem_private_key(Path(source[1]).read_bytes(), None)
        )
    else:
        raise SigningKeyMissing(
            f"The private signing key {key.key_id} is missing: set {env_name(key.key_id)} "
            f"or restore {source[1]}."
        )
    if public_bytes(private) != signed_codes.b64d(key.public_key):
        raise SigningKeyMissing(f"The private key found for {key.key_id} does not match it.")
    _LOADED[key.key_id] = (source, private)
    return private


def _ed25519(key: SigningKey, private: object) -> Ed25519PrivateKey:
    """A PEM file can hold any kind of key; only an Ed25519 one signs our codes."""
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyMissing(f"The private key file for {key.key_id} is not an Ed25519 key.")
    return private


def public_bytes(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def _write_private(key_id: str, private: Ed25519PrivateKey) -> None:
    folder = key_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created 0600 from the start: no window in which another user could read it.
    fd = os.open(folder / f"{key_id}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def current_key(clinic: Clinic) -> SigningKey | None:
    """The clinic's key that signs new cards: the newest one not retired."""
    return db.session.scalars(
        select(SigningKey)
        .where(SigningKey.clinic_id == clinic.id, SigningKey.retired_at.is_(None))
        .order_by(SigningKey.valid_from.desc(), SigningKey.id.desc())
    ).first()


def list_clinic_keys(clinic: Clinic) -> list[SigningKey]:
    """Every key the clinic ever signed with, newest first; retired ones still verify old cards."""
    return list(
        db.session.scalars(
            select(SigningKey)
            .where(SigningKey.clinic_id == clinic.id)
            .order_by(SigningKey.valid_from.desc(), SigningKey.id.desc())
        )
    )


def has_private_half(key: SigningKey) -> bool:
    """Whether this server can still sign with the key (its private half is present and matches)."""
    try:
        private_key_for(key)
    except SigningKeyMissing:
        return False
    return True


def _create_key(clinic: Clinic, actor: User | None) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    key_id = secrets.token_hex(4)
    _write_private(key_id, private)
    key = SigningKey(
        clinic_id=clinic.id, key_id=key_id, public_key=signed_codes.b64e(public_bytes(private))
    )
    db.session.add(key)
    chain.record(actor, "signing_key.created", key)
    return key


def _retire(key: SigningKey, actor: User | None, reason: str) -> None:
    before = chain.snapshot(key)
    key.retired_at = utcnow()
    after = {**chain.snapshot(key), "reason": reason}
    chain.record(actor, "signing_key.retired", key, before=before, after=after)


def ensure_clinic_key(clinic: Clinic, actor: User | None = None) -> SigningKey:
    """Give the clinic a usable key at set-up; a key whose private half is gone is retired."""
    key = current_key(clinic)
    if key is not None:
        try:
            private_key_for(key)
        except SigningKeyMissing:
            _retire(key, actor, "private key missing")
        else:
            return key
    return _create_key(clinic, actor)


def rotate_clinic_key(clinic: Clinic, actor: User | None = None) -> SigningKey:
    """Retire the current key (it still verifies older cards) and start signing with a new one."""
    key = current_key(clinic)
    if key is not None:
        _retire(key, actor, "rotated")
    return _create_key(clinic, actor)


def keys_document() -> dict:
    """Every published key with its validity, for `/.well-known/smp-hygiene-keys.json`."""
    keys = db.session.scalars(select(SigningKey).order_by(SigningKey.id)).all()
    return {
        "format": "smp-hygiene-keys/1",
        "published_at": utcnow().isoformat(timespec="seconds"),
        "keys": [
            {
                "key_id": key.key_id,
                "clinic_id": key.clinic_id,
                "clinic": key.clinic.name,
                "alg": key.algorithm,
                "public_key": key.public_key,
                "valid_from": key.valid_from.isoformat(timespec="seconds"),
                "valid_until": key.retired_at.isoformat(timespec="seconds")
                if key.retired_at
                else None,
            }
            for key in keys
        ],
    }


def sign_text(clinic: Clinic, text: str) -> dict:
    """Sign `text` with the clinic's current key: how the revocation list is vouched for."""
    key = current_key(clinic)
    if key is None:
        raise SigningKeyMissing(f"{clinic.name} has no signing key yet: run demo-data or set-up.")
    signature = private_key_for(key).sign(text.encode())
    return {"key_id": key.key_id, "signature": signed_codes.b64e(signature)}


def canonical_json(value: dict) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
