"""Loading a record named in a URL: only ever one of the signed-in user's clinic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from smp_hygiene.extensions import db

T = TypeVar("T")


def own_or_404(model: type[T], record_id: int, options: Sequence[Any] = ()) -> T:
    """The record if it belongs to the signed-in user's clinic; 404 otherwise, so that another
    clinic's ids reveal nothing, not even that they exist. `options` are its loader options."""
    record = db.session.get(model, record_id, options=options) if options else None
    record = record if record is not None else db.get_or_404(model, record_id)
    if record.clinic_id != current_user.clinic_id:
        abort(404)
    return record
