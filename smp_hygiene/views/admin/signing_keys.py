"""The clinic's card-signing keys: see them, rotate to a new one."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from smp_hygiene.services.verification import signing
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.writes import done, once


@bp.get("/signing-keys")
def signing_keys():
    """Every key with its validity; the newest unretired one signs new cards."""
    clinic = current_user.clinic
    current = signing.current_key(clinic)
    return render_template(
        "admin/signing_keys.html",
        keys=signing.list_clinic_keys(clinic),
        current=current,
        usable=signing.has_private_half(current) if current else False,
    )


@bp.post("/signing-keys/rotate")
@once
def rotate_signing_key():
    """Retire the current key (old cards stay valid) and sign new cards with a new one."""
    key = signing.rotate_clinic_key(current_user.clinic, current_user)
    message = f"New cards are now signed with key {key.key_id}."
    return done(url_for("admin.signing_keys"), message)
