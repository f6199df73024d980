"""One sterilisation cycle: its record, its packs as CSV, its release, or its failure."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from smp_hygiene.csvexport import csv_response
from smp_hygiene.models import InstrumentPack
from smp_hygiene.services.sterilisation import cycle_release
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.sterilisation import forms
from smp_hygiene.views.audit.sterilisation.loading import own_cycle
from smp_hygiene.views.forms import ButtonForm
from smp_hygiene.views.writes import done, once

CYCLE_PACKS_HEADER = ["Pack", "Contents", "Packed at", "Expires", "Status", "Status reason"]
CYCLE_PACKS_HEADER += ["Used in session", "Used at"]


@bp.get("/sterilisation/cycles/<int:cycle_id>")
def cycle(cycle_id: int):
    """A load, its packs, and what still stands in the way of its release."""
    found = own_cycle(cycle_id)
    return render_template(
        "audit/sterilisation/cycle.html",
        cycle=found,
        problems=cycle_release.release_problems(found),
        release_form=ButtonForm(),
        fail_form=forms.FailCycleForm(),
    )


@bp.post("/sterilisation/cycles/<int:cycle_id>/release")
@once
def release_cycle(cycle_id: int):
    """Release a load whose checks passed; otherwise say which did not."""
    found = own_cycle(cycle_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    cycle_release.release_cycle(found, current_user, utcnow())
    target = url_for("audit.cycle", cycle_id=found.id)
    return done(target, f"Cycle {found.cycle_number} released.")


@bp.post("/sterilisation/cycles/<int:cycle_id>/fail")
@once
def fail_cycle(cycle_id: int):
    """Record that a load failed; its packs go back for reprocessing."""
    found, form = own_cycle(cycle_id), forms.FailCycleForm()
    target = url_for("audit.cycle", cycle_id=found.id)
    if not form.validate_on_submit():
        flash("Say why the cycle failed.", "error")
        return redirect(target)
    cycle_release.fail_cycle(found, current_user, form.reason.data, utcnow())
    return done(target, f"Cycle {found.cycle_number} marked failed.")


def _at(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _cycle_pack_row(pack: InstrumentPack) -> list:
    return [
        pack.code, pack.contents, _at(pack.packed_at),
        pack.expires_on.isoformat() if pack.expires_on else pack.keeps_until,
        pack.status.value, pack.status_reason,
        pack.use.session_id if pack.use else "", _at(pack.use.used_at) if pack.use else "",
    ]  # fmt: skip


@bp.get("/sterilisation/cycles/<int:cycle_id>/packs.csv")
def cycle_packs_csv(cycle_id: int):
    """The packs of one load as CSV, with the session each used one went to."""
    found = own_cycle(cycle_id)
    rows = (_cycle_pack_row(pack) for pack in found.packs)
    return csv_response(f"cycle-{found.id}-packs.csv", CYCLE_PACKS_HEADER, rows)
