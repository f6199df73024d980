"""Sterilisation pages for one cycle: its record, its release, or its failure."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import InstrumentPack
from smp_hygiene.services.sterilisation import cycle_release
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit import bp
from smp_hygiene.views.audit import sterilisation_forms as forms
from smp_hygiene.views.audit.sterilisation import committed, own_cycle


@bp.get("/sterilisation/cycles/<int:cycle_id>")
def cycle(cycle_id: int):
    """A load, its packs, and what still stands in the way of its release."""
    found = own_cycle(cycle_id)
    return render_template(
        "audit/sterilisation/cycle.html",
        cycle=found,
        problems=cycle_release.release_problems(found),
        release_form=forms.ReleaseForm(),
        fail_form=forms.FailCycleForm(),
        discard_form=forms.DiscardPackForm(),
    )


@bp.post("/sterilisation/cycles/<int:cycle_id>/release")
def release_cycle(cycle_id: int):
    """Release a load whose checks passed; otherwise say which did not."""
    found = own_cycle(cycle_id)
    if not forms.ReleaseForm().validate_on_submit():
        abort(400)
    try:
        cycle_release.release_cycle(found, current_user, utcnow())
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("audit.cycle", cycle_id=found.id))
    return committed(
        f"Cycle {found.cycle_number} released.", url_for("audit.cycle", cycle_id=found.id)
    )


@bp.post("/sterilisation/cycles/<int:cycle_id>/fail")
def fail_cycle(cycle_id: int):
    """Record that a load failed; its packs go back for reprocessing."""
    found = own_cycle(cycle_id)
    form = forms.FailCycleForm()
    try:
        if not form.validate_on_submit():
            raise DomainError("Say why the cycle failed.")
        cycle_release.fail_cycle(found, current_user, form.reason.data, utcnow())
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("audit.cycle", cycle_id=found.id))
    return committed(
        f"Cycle {found.cycle_number} marked failed.", url_for("audit.cycle", cycle_id=found.id)
    )


def pack_of_clinic(pack_id: int) -> InstrumentPack:
    found = db.get_or_404(InstrumentPack, pack_id)
    own_cycle(found.cycle_id)
    return found
