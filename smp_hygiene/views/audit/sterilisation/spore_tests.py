"""Spore tests: recording one, a positive one's fallout (quarantined packs, sessions to trace,
the report to the health authority), and that fallout as CSV."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from smp_hygiene.csvexport import csv_response
from smp_hygiene.extensions import db
from smp_hygiene.models import NotificationKind, PackUse, SporeResult, SteriliserCycle
from smp_hygiene.services.notifications import outbox
from smp_hygiene.services.sterilisation import spore_tests
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.sterilisation import forms
from smp_hygiene.views.audit.sterilisation.forms import spore_form
from smp_hygiene.views.audit.sterilisation.loading import own_spore_test, own_steriliser
from smp_hygiene.views.audit.sterilisation.log import log_page, refused_on_log
from smp_hygiene.views.forms import ButtonForm
from smp_hygiene.views.writes import done, once, refusal_page

QUARANTINE_HEADER = ["Pack", "Steriliser", "Cycle", "Cycle run", "Contents", "Status"]
QUARANTINE_HEADER += ["Status reason"]
SUSPECT_USES_HEADER = ["Session", "Used at", "Client", "Date of birth", "Phone", "Email"]
SUSPECT_USES_HEADER += ["Address", "Pack", "Contents", "Cycle", "Technician"]


@bp.post("/sterilisation/<int:steriliser_id>/spore-tests")
@once
@refusal_page(refused_on_log("spore_form"))
def record_spore_test(steriliser_id: int):
    """Record a read spore test; a positive one leads to its fallout page."""
    found = own_steriliser(steriliser_id)
    form = spore_form(found)
    if not form.validate_on_submit():
        return log_page(found, 422, spore_form=form)
    test = spore_tests.record_spore_test(
        db.session.get(SteriliserCycle, form.cycle_id.data), current_user,
        bi_lot=form.bi_lot.data, result=SporeResult(form.result.data),
        control_result=SporeResult(form.control_result.data), read_at=form.read_at.data,
        lab_report_ref=form.lab_report_ref.data or "", is_retest=form.is_retest.data,
    )  # fmt: skip
    target = url_for("audit.spore_test", test_id=test.id)
    return done(target, f"Spore test recorded: {test.result.value}.")


@bp.get("/sterilisation/spore-tests/<int:test_id>")
def spore_test(test_id: int):
    """A spore test; if positive, the quarantined packs and the sessions that used them."""
    test = own_spore_test(test_id)
    return render_template(
        "audit/sterilisation/spore_test.html",
        test=test,
        packs=spore_tests.quarantined_packs(test),
        uses=spore_tests.sessions_using_suspect_packs(test),
        report_form=forms.ReportForm(),
        emails=outbox.notices_by_client(NotificationKind.STERILISATION_FAILURE, test.id),
        email_form=ButtonForm(),
    )


@bp.post("/sterilisation/spore-tests/<int:test_id>/emails")
@once
def spore_test_email(test_id: int):
    """Queue one email per client treated with a suspect pack; a worker sends them later."""
    test = own_spore_test(test_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    result = outbox.queue_sterilisation_notices(current_user, test)
    return done(url_for("audit.spore_test", test_id=test.id), result.message)


@bp.post("/sterilisation/spore-tests/<int:test_id>/report")
@once
def report_spore_test(test_id: int):
    """Note the report of a positive spore test to the health authority."""
    test, form = own_spore_test(test_id), forms.ReportForm()
    target = url_for("audit.spore_test", test_id=test.id)
    if not form.validate_on_submit():
        flash("Give the reference of the report.", "error")
        return redirect(target)
    spore_tests.record_authority_report(test, current_user, form.reference.data, utcnow())
    return done(target, "Report to the health authority recorded.")


def _at(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


@bp.get("/sterilisation/spore-tests/<int:test_id>/packs.csv")
def spore_test_packs_csv(test_id: int):
    """The packs a positive spore test quarantined, used or not, as CSV."""
    test = own_spore_test(test_id)
    rows = (
        [p.code, test.steriliser.name, p.cycle.cycle_number, _at(p.cycle.started_at), p.contents]
        + [p.status.value, p.status_reason]
        for p in spore_tests.quarantined_packs(test)
    )
    return csv_response(f"spore-test-{test.id}-packs.csv", QUARANTINE_HEADER, rows)


def _suspect_use_row(use: PackUse) -> list:
    client = use.session.client
    return [
        use.session_id, _at(use.used_at), client.full_name, client.date_of_birth.isoformat(),
        client.phone, client.email, client.address, use.pack.code, use.pack.contents,
        use.pack.cycle.cycle_number, use.used_by.name,
    ]  # fmt: skip


@bp.get("/sterilisation/spore-tests/<int:test_id>/sessions.csv")
def spore_test_sessions_csv(test_id: int):
    """The sessions and clients that already used a suspect pack, with contact details, as CSV."""
    test = own_spore_test(test_id)
    rows = (_suspect_use_row(use) for use in spore_tests.sessions_using_suspect_packs(test))
    return csv_response(f"spore-test-{test.id}-sessions.csv", SUSPECT_USES_HEADER, rows)
