"""The clinic's card-signing keys: see them, rotate to a new one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.services.verification import signing
from smp_hygiene.views.admin.blueprint import bp


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
def rotate_signing_key():
    """Retire the current key (old cards stay valid) and sign new cards with a new one."""
    try:
        key = signing.rotate_clinic_key(current_user.clinic, current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"New cards are now signed with key {key.key_id}.", "success")
    return redirect(url_for("admin.signing_keys"))
