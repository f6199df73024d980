"""The admin's view of signing keys: every key of the clinic, and whether it can still sign."""

from __future__ import annotations

from smp_hygiene.services.verification import signing
from tests import factories as f


def test_list_clinic_keys_shows_retired_keys_too_newest_first(ctx):
    clinic = f.make_clinic()
    old = signing.ensure_clinic_key(clinic)
    new = signing.rotate_clinic_key(clinic)
    signing.ensure_clinic_key(f.make_clinic())

    assert signing.list_clinic_keys(clinic) == [new, old]
    assert old.retired_at is not None
    assert new.retired_at is None


def test_a_key_whose_private_half_is_gone_cannot_sign(ctx):
    key = signing.ensure_clinic_key(f.make_clinic())
    assert signing.has_private_half(key)

    (signing.key_dir() / f"{key.key_id}.pem").unlink()

    assert not signing.has_private_half(key)
