"""Sterilisation pages: spore tests and their fallout, pack labels and discarded packs."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import BiologicalIndicatorTest, SporeResult, SteriliserCycle
from smp_hygiene.services.barcodes.reader import own_label_text
from smp_hygiene.services.sterilisation import packs, spore_tests
from smp_hygiene.services.verification import qrcodes
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit import bp
from smp_hygiene.views.audit import sterilisation_forms as forms
from smp_hygiene.views.audit.sterilisation import committed, log_page, own_steriliser, spore_form
from smp_hygiene.views.audit.sterilisation_cycles import pack_of_clinic
from smp_hygiene.views.audit.sterilisation_forms import as_utc


def own_spore_test(test_id: int) -> BiologicalIndicatorTest:
    found = db.get_or_404(BiologicalIndicatorTest, test_id)
    own_steriliser(found.steriliser_id)
    return found


@bp.post("/sterilisation/<int:steriliser_id>/spore-tests")
def record_spore_test(steriliser_id: int):
    """Record a read spore test; a positive one leads to its fallout page."""
    found = own_steriliser(steriliser_id)
    form = spore_form(found)
    if not form.validate_on_submit():
        return log_page(found, 422, spore_form=form)
    cycle = db.session.get(SteriliserCycle, form.cycle_id.data)
    try:
        test = spore_tests.record_spore_test(
            cycle, current_user, bi_lot=form.bi_lot.data,
            result=SporeResult(form.result.data),
            control_result=SporeResult(form.control_result.data),
            read_at=as_utc(form.read_at.data), lab_report_ref=form.lab_report_ref.data or "",
            is_retest=form.is_retest.data,
        )  # fmt: skip
    except DomainError as error:
        flash(str(error), "error")
        return log_page(found, error.http_status, spore_form=form)
    return committed(
        f"Spore test recorded: {test.result.value}.",
        url_for("audit.spore_test", test_id=test.id),
    )


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
    )


@bp.post("/sterilisation/spore-tests/<int:test_id>/report")
def report_spore_test(test_id: int):
    """Note the report of a positive spore test to the health authority."""
    test = own_spore_test(test_id)
    form = forms.ReportForm()
    try:
        if not form.validate_on_submit():
            raise DomainError("Give the reference of the report.")
        spore_tests.record_authority_report(test, current_user, form.reference.data, utcnow())
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("audit.spore_test", test_id=test.id))
    return committed(
        "Report to the health authority recorded.", url_for("audit.spore_test", test_id=test.id)
    )


@bp.get("/sterilisation/packs/<int:pack_id>/label")
def pack_label(pack_id: int):
    """A printable pack label: steriliser, cycle, date, expiry and the QR scanned at the chair."""
    pack = pack_of_clinic(pack_id)
    return render_template("audit/sterilisation/pack_label.html", pack=pack)


@bp.get("/sterilisation/packs/<int:pack_id>/qr.svg")
def pack_qr(pack_id: int):
    """The pack's SMPH-PACK QR code as SVG."""
    pack = pack_of_clinic(pack_id)
    return Response(qrcodes.qr_svg(own_label_text("pack", pack.code)), mimetype="image/svg+xml")


@bp.post("/sterilisation/packs/<int:pack_id>/discard")
def discard_pack(pack_id: int):
    """Take a wet, torn or opened pack out of use."""
    pack = pack_of_clinic(pack_id)
    form = forms.DiscardPackForm()
    try:
        if not form.validate_on_submit():
            raise DomainError("Say why the pack is discarded (wet, torn, opened...).")
        packs.discard_pack(pack, current_user, form.reason.data, utcnow())
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("audit.cycle", cycle_id=pack.cycle_id))
    return committed(f"Pack {pack.code} discarded.", url_for("audit.cycle", cycle_id=pack.cycle_id))
