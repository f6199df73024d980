"""The private half of a signing key is read from disk once per process, and read again when its
file changes: completion signs a card every time, rotation and a lost file still tell."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smp_hygiene.errors import SigningKeyMissing
from smp_hygiene.services.verification import signing
from tests import factories as f


def test_a_key_is_read_from_disk_once_for_many_signatures(ctx, monkeypatch):
    key = signing.ensure_clinic_key(f.make_clinic())
    reads = []
    real = serialization.load_pem_private_key
    monkeypatch.setattr(
        serialization, "load_pem_private_key", lambda *a: reads.append(1) or real(*a)
    )

    first = [signing.private_key_for(key) for _ in range(5)]

    assert len(reads) <= 1
    assert all(private is first[0] for private in first)


def test_a_key_file_replaced_by_another_key_is_refused_though_read_before(ctx):
    key = signing.ensure_clinic_key(f.make_clinic())
    signing.private_key_for(key)
    path = signing.key_dir() / f"{key.key_id}.pem"
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )

    path.write_bytes(other)

    with pytest.raises(SigningKeyMissing, match="does not match"):
        signing.private_key_for(key)


def test_a_rotated_clinic_signs_with_its_new_key(ctx):
    clinic = f.make_clinic()
    old = signing.ensure_clinic_key(clinic)
    signing.private_key_for(old)

    new = signing.rotate_clinic_key(clinic)

    assert signing.current_key(clinic) == new
    assert signing.public_bytes(signing.private_key_for(new)) != signing.public_bytes(
        signing.private_key_for(old)
    )
